"""Cross-cluster replication of the lab's Elasticsearch: follow, pause, resume, unfollow, follow info, auto-follow
patterns and stats, on top of the transport messages ``ccr_leader`` and ``ccr_read``.

Replication is lazy: an active follower copies the leader's new documents (by sequence number) whenever the
cluster is asked about it (``ccr.stats``, ``ccr.follow_info``, pause) and when it starts; a paused follower does
not sync. Auto-follow patterns follow leader indices created after the pattern, checked at the same moments.

Lab choices (documented in the final report): the lab has no index close API (it is not in the copied spec), so
``unfollow`` accepts a *paused* follower whether or not it is closed (Elasticsearch wants it paused and closed);
CCR privilege failures on the leader are reported with ``CcrLicenseChecker``'s "insufficient privileges to follow"
message for both security models.
"""

import copy

from eceops_lab.es_security import RemoteFailure, SecurityMixin, check_fields, duration_ms, fail, match_any, validation_failed
from eceops_lab.es_settings import remote_settings, version_tuple
from eceops_lab.server import Response
from eceops_lab.state import Index, stable_id


def nested_string_settings(settings):
    """Settings as Elasticsearch renders them: nested objects, every leaf a string (lists of strings)."""
    out = {}
    flat = {}

    def flatten(prefix, value):
        if isinstance(value, dict):
            for key, sub in value.items():
                flatten(prefix + "." + key if prefix else key, sub)
        else:
            flat[prefix] = value
    flatten("", settings)
    for key, value in flat.items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, list):
            node[parts[-1]] = [str(v).lower() if isinstance(v, bool) else str(v) for v in value]
        else:
            node[parts[-1]] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


#: tuning parameters of follow / resume / auto-follow, with their defaults (as follow_info shows them)
FOLLOW_DEFAULTS = [
    ("max_read_request_operation_count", 5120),
    ("max_write_request_operation_count", 5120),
    ("max_outstanding_read_requests", 12),
    ("max_outstanding_write_requests", 9),
    ("max_read_request_size", "32mb"),
    ("max_write_request_size", "9223372036854775807b"),
    ("max_write_buffer_count", 2147483647),
    ("max_write_buffer_size", "512mb"),
    ("max_retry_delay", "500ms"),
    ("read_poll_timeout", "1m"),
]
FOLLOW_PARAMS = [name for name, default in FOLLOW_DEFAULTS]
_INT_PARAMS = ("max_read_request_operation_count", "max_write_request_operation_count", "max_outstanding_read_requests",
               "max_outstanding_write_requests", "max_write_buffer_count")
_TIME_PARAMS = ("max_retry_delay", "read_poll_timeout")
LEADER_INSUFFICIENT = ("insufficient privileges to follow index [%s], privilege for action [indices:data/read/xpack/ccr/shard_changes] "
                       "is missing, privilege for action [indices:monitor/stats] is missing")


def index_uuid(cluster, index):
    """A stable 22-character UUID for an index (set on first use)."""
    uuid = getattr(index, "uuid", None)
    if uuid is None:
        uuid = stable_id("index", cluster.key, index.name, len(index.docs), length=22)
        index.uuid = uuid
    return uuid


class CcrMixin(SecurityMixin):
    """The ``ccr.*`` APIs of one cluster (follower side) and the leader side of CCR transport messages."""

    # -- helpers --------------------------------------------------------------------------------------------------
    def _index_not_found(self, name):
        fail(404, "index_not_found_exception", "no such index [%s]" % name, resource_type="index_or_alias",
             resource_id=name, index_uuid="_na_", index=name)

    def _check_follow_params(self, body):
        messages = []
        for name in _INT_PARAMS:
            if name in body:
                value = body[name]
                if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                    messages.append("[%s] must be larger than 0" % name)
        for name in _TIME_PARAMS:
            if name in body:
                millis = duration_ms(name, body[name])
                if name == "max_retry_delay":
                    if millis <= 0:
                        messages.append("[max_retry_delay] must be positive but was [%s]" % body[name])
                    elif millis > 300000:
                        messages.append("[max_retry_delay] must be less than [5m] but was [%s]" % body[name])
        return messages

    @staticmethod
    def effective_parameters(given):
        """Tuning parameters with defaults for the ones not given (follow_info ``parameters``)."""
        out = {}
        for name, default in FOLLOW_DEFAULTS:
            out[name] = given.get(name, default)
        return out

    def _require_remote(self, alias):
        if alias not in remote_settings(self.cluster):
            fail(404, "no_such_remote_cluster_exception", "no such remote cluster: [%s]" % alias)

    def _leader_state(self, alias, leader, principal):
        """Ask the leader about an index (or, with ``leader`` None, about the cluster); raises EsError like ES."""
        message = {"action": "ccr_leader", "index": leader, "user": self.remote_user(principal, alias)}
        try:
            reply = self.remote_call(alias, message)
        except RemoteFailure as exc:
            if exc.status is not None:
                if exc.etype == "index_not_found_exception":
                    self._index_not_found(leader)
                fail(exc.status, exc.etype, exc.reason)
            what = ("remote index [%s:%s] metadata" % (alias, leader)) if leader else "remote cluster state"
            fail(400, "status_exception", "can not fetch %s as the license state of the remote cluster [%s] could not be "
                 "determined" % (what, alias), caused_by={"type": "connect_transport_exception", "reason": exc.reason})
        lic = reply.get("license") or {}
        if lic.get("status", "active") != "active" or lic.get("type") not in ("platinum", "enterprise", "trial"):
            what = ("remote index [%s:%s] metadata" % (alias, leader)) if leader else "remote cluster state"
            detail = ("the license on cluster [%s] is not active" % alias if lic.get("status", "active") != "active"
                      else "the license mode [%s] on cluster [%s] does not enable [ccr]" % (lic.get("type"), alias))
            fail(400, "status_exception", "can not fetch %s as the remote cluster [%s] is not licensed for [ccr]; %s"
                 % (what, alias, detail))
        return reply

    def _principal_snapshot(self, principal):
        return dict((k, copy.deepcopy(v)) for k, v in principal.items() if k != "key")

    def _start_following(self, follower_name, alias, leader, principal, parameters, settings=None):
        """Create a follower from the leader (the put-follow flow after validation); returns the new Index."""
        reply = self._leader_state(alias, leader, principal)
        info = reply.get("index") or {}
        if not info.get("soft_deletes", True):
            fail(400, "illegal_argument_exception", "leader index [%s] does not have soft deletes enabled" % leader)
        leader_version = reply.get("version") or "0.0.0"
        if version_tuple(leader_version) > version_tuple(self.cluster.version):
            word = "version" if version_tuple(self.cluster.version) >= (8, 16, 0) else "Elasticsearch version"
            fail(500, "snapshot_exception", "[_ccr_%s:_latest_/_latest_] the snapshot was created with %s [%s] which is higher "
                 "than the version of this node [%s]" % (alias, word, leader_version, self.cluster.version))
        existing = self.cluster.indices.get(follower_name)
        if existing is not None and not existing.closed:
            fail(500, "snapshot_restore_exception", "[_ccr_%s:_latest_/_latest_] cannot restore index [%s] because an open index "
                 "with same name already exists in the cluster. Either close or delete the existing index or restore the index "
                 "under a different name by providing a rename pattern and replacement name" % (alias, follower_name))
        docs = self._read_leader(alias, leader, 0, principal)
        index = Index(follower_name, docs)
        index.soft_deletes = True
        index.created_at = self.world.clock.now()
        index.follower = {"remote_cluster": alias, "leader_index": leader, "status": "active", "parameters": dict(parameters),
                          "leader_uuid": info.get("uuid"), "settings": dict(settings or {}),
                          "principal": self._principal_snapshot(principal),
                          "stats": {"operations_read": len(docs), "successful_read_requests": 1, "failed_read_requests": 0,
                                    "leader_max_seq_no": info.get("max_seq_no", len(docs) - 1), "read_exceptions": [],
                                    "fatal_exception": None, "last_read": self.world.clock.now()}}
        self.cluster.indices[follower_name] = index
        index_uuid(self.cluster, index)
        return index

    def _read_leader(self, alias, leader, from_seq_no, principal):
        message = {"action": "ccr_read", "index": leader, "from_seq_no": from_seq_no, "user": self.remote_user(principal, alias)}
        try:
            reply = self.remote_call(alias, message)
        except RemoteFailure as exc:
            if exc.status is not None:
                fail(exc.status, exc.etype, exc.reason)
            fail(500, "connect_transport_exception", exc.reason)
        return list(reply.get("docs") or [])

    def sync_follower(self, index):
        """Copy new leader documents into an active follower (a paused one does not sync)."""
        follower = index.follower
        if not follower or follower.get("status") != "active":
            return
        stats = follower["stats"]
        if stats.get("fatal_exception"):
            return
        alias = follower["remote_cluster"]
        principal = follower["principal"]
        message = {"action": "ccr_read", "index": follower["leader_index"], "from_seq_no": len(index.docs),
                   "user": self.remote_user(principal, alias)}
        try:
            reply = self.remote_call(alias, message)
        except RemoteFailure as exc:
            stats["failed_read_requests"] += 1
            error = {"type": exc.etype or "connect_transport_exception", "reason": exc.reason}
            if exc.status in (401, 403, 404):
                stats["fatal_exception"] = error
            else:
                stats["read_exceptions"] = [{"from_seq_no": len(index.docs), "retries": stats["failed_read_requests"],
                                             "exception": error}]
            return
        docs = list(reply.get("docs") or [])
        index.docs.extend(docs)
        stats["operations_read"] += len(docs)
        stats["successful_read_requests"] += 1
        stats["read_exceptions"] = []
        stats["leader_max_seq_no"] = reply.get("max_seq_no", len(index.docs) - 1)
        stats["last_read"] = self.world.clock.now()

    def ccr_background(self):
        """What Elasticsearch's CCR tasks do in the background: auto-follow new leader indices, sync followers."""
        self.run_auto_follow()
        for index in list(self.cluster.indices.values()):
            if index.follower and index.follower.get("status") == "active":
                self.sync_follower(index)

    # -- ccr.follow -------------------------------------------------------------------------------------------------
    def api_ccr_follow(self, call):
        """PUT /{index}/_ccr/follow."""
        body = call.body if isinstance(call.body, dict) else {}
        check_fields(call.raw, "put_follow_request", body, ["remote_cluster", "leader_index", "settings", "data_stream_name"]
                     + FOLLOW_PARAMS)
        messages = []
        if not body.get("remote_cluster"):
            messages.append("[remote_cluster] is missing")
        if not body.get("leader_index"):
            messages.append("[leader_index] is missing")
        messages.extend(self._check_follow_params(body))
        if messages:
            validation_failed(messages)
        self.authorize(call.principal, "ccr.follow")
        self.require_license("ccr")
        alias, leader = body["remote_cluster"], body["leader_index"]
        self._require_remote(alias)
        parameters = dict((k, body[k]) for k in FOLLOW_PARAMS if k in body)
        self._start_following(call.parts["index"], alias, leader, call.principal, parameters, body.get("settings"))
        waited = str(call.params.get("wait_for_active_shards", "0")) not in ("0", "none")
        return Response(200, {"follow_index_created": True, "follow_index_shards_acked": waited, "index_following_started": waited})

    # -- ccr.follow_info --------------------------------------------------------------------------------------------
    def _resolve_local(self, expression):
        names = []
        for part in expression.split(","):
            part = part.strip()
            if not part:
                continue
            if part in ("_all", "*"):
                names.extend(sorted(self.cluster.indices))
            elif "*" in part:
                names.extend(sorted(n for n in self.cluster.indices if match_any(part, n)))
            elif part in self.cluster.indices:
                names.append(part)
            else:
                self._index_not_found(part)
        seen = []
        for name in names:
            if name not in seen:
                seen.append(name)
        return seen

    def api_ccr_follow_info(self, call):
        """GET /{index}/_ccr/info."""
        self.authorize(call.principal, "ccr.follow_info")
        names = self._resolve_local(call.parts["index"])
        self.ccr_background()
        out = []
        for name in names:
            index = self.cluster.indices[name]
            follower = index.follower
            if not follower:
                continue
            entry = {"follower_index": name, "remote_cluster": follower["remote_cluster"],
                     "leader_index": follower["leader_index"], "status": follower["status"]}
            if follower["status"] == "active":
                entry["parameters"] = self.effective_parameters(follower["parameters"])
            out.append(entry)
        return Response(200, {"follower_indices": out})

    # -- ccr.pause_follow / resume_follow / unfollow ------------------------------------------------------------------
    def _follower_or_fail(self, name, message):
        index = self.cluster.indices.get(name)
        if index is None:
            self._index_not_found(name)
        if not index.follower:
            fail(400, "illegal_argument_exception", message % name)
        return index

    def api_ccr_pause_follow(self, call):
        """POST /{index}/_ccr/pause_follow."""
        self.authorize(call.principal, "ccr.pause_follow")
        name = call.parts["index"]
        index = self._follower_or_fail(name, "index [%s] is not a follower index")
        if index.follower["status"] != "active":
            fail(400, "illegal_argument_exception", "no shard follow tasks for [%s]" % name)
        self.sync_follower(index)
        index.follower["status"] = "paused"
        return Response(200, {"acknowledged": True})

    def api_ccr_resume_follow(self, call):
        """POST /{index}/_ccr/resume_follow."""
        body = call.body if isinstance(call.body, dict) else {}
        check_fields(call.raw, "resume_follow_request", body, FOLLOW_PARAMS)
        messages = self._check_follow_params(body)
        if messages:
            validation_failed(messages)
        self.authorize(call.principal, "ccr.resume_follow")
        self.require_license("ccr")
        name = call.parts["index"]
        index = self._follower_or_fail(name, "follow index [%s] does not have ccr metadata")
        follower = index.follower
        if follower["status"] == "active":
            fail(400, "resource_already_exists_exception", "task with id {%s-0} already exist" % index_uuid(self.cluster, index))
        alias = follower["remote_cluster"]
        self._require_remote(alias)
        self._leader_state(alias, follower["leader_index"], call.principal)
        follower["parameters"] = dict((k, body[k]) for k in FOLLOW_PARAMS if k in body)
        follower["principal"] = self._principal_snapshot(call.principal)
        follower["status"] = "active"
        follower["stats"]["fatal_exception"] = None
        self.sync_follower(index)
        return Response(200, {"acknowledged": True})

    def api_ccr_unfollow(self, call):
        """POST /{index}/_ccr/unfollow (lab: a paused follower may be unfollowed without closing it)."""
        name = call.parts["index"]
        if name in self.cluster.indices:
            self.authorize_indices(call.principal, "ccr.unfollow", [name])
        index = self._follower_or_fail(name, "index [%s] is not a follower index")
        active = index.follower["status"] == "active"
        if active and not index.closed:
            fail(400, "illegal_argument_exception", "cannot convert the follower index [%s] to a non-follower, because it has "
                 "not been closed" % name)
        if active:
            fail(400, "illegal_argument_exception", "cannot convert the follower index [%s] to a non-follower, because it has "
                 "not been paused" % name)
        index.follower = None
        return Response(200, {"acknowledged": True})

    # -- auto-follow patterns ---------------------------------------------------------------------------------------
    def api_ccr_put_auto_follow_pattern(self, call):
        """PUT /_ccr/auto_follow/{name}."""
        body = call.body if isinstance(call.body, dict) else {}
        allowed = ["remote_cluster", "leader_index_patterns", "follow_index_pattern", "settings"] + FOLLOW_PARAMS
        if version_tuple(self.cluster.version) >= (7, 14, 0):
            allowed.append("leader_index_exclusion_patterns")
        check_fields(call.raw, "put_auto_follow_pattern_request", body, allowed)
        name = call.parts["name"]
        messages = []
        if name.startswith("_"):
            messages.append("[name] must not start with a '_'")
        if "#" in name:
            messages.append("[name] must not contain a '#'")
        if "," in name:
            messages.append("[name] must not contain a ','")
        if " " in name:
            messages.append("[name] must not contain a space")
        if name.lower() != name:
            messages.append("[name] must be lower cased")
        if not body.get("remote_cluster"):
            messages.append("[remote_cluster] is missing")
        if not body.get("leader_index_patterns"):
            messages.append("[leader_index_patterns] is missing")
        messages.extend(self._check_follow_params(body))
        if messages:
            validation_failed(messages)
        self.authorize(call.principal, "ccr.put_auto_follow_pattern")
        self.require_license("ccr")
        alias = body["remote_cluster"]
        self._require_remote(alias)
        self._leader_state(alias, None, call.principal)
        previous = self.cluster.auto_follow.get(name) or {}
        pattern = {"remote_cluster": alias, "leader_index_patterns": list(body["leader_index_patterns"]),
                   "leader_index_exclusion_patterns": list(body.get("leader_index_exclusion_patterns") or [])}
        if body.get("follow_index_pattern") is not None:
            pattern["follow_index_pattern"] = body["follow_index_pattern"]
        if body.get("settings"):
            pattern["settings"] = dict(body["settings"])
        for param in FOLLOW_PARAMS:
            if param in body:
                pattern[param] = body[param]
        self.cluster.auto_follow[name] = {"pattern": pattern, "active": previous.get("active", True),
                                          "created_at": previous.get("created_at", self.world.clock.now()),
                                          "followed": set(previous.get("followed", set())),
                                          "principal": self._principal_snapshot(call.principal)}
        return Response(200, {"acknowledged": True})

    def _pattern_view(self, name):
        entry = self.cluster.auto_follow[name]
        pattern = entry["pattern"]
        view = {"active": entry.get("active", True), "remote_cluster": pattern["remote_cluster"],
                "leader_index_patterns": list(pattern["leader_index_patterns"]),
                "leader_index_exclusion_patterns": list(pattern.get("leader_index_exclusion_patterns", []))}
        if pattern.get("follow_index_pattern") is not None:
            view["follow_index_pattern"] = pattern["follow_index_pattern"]
        if pattern.get("settings"):
            # Elasticsearch answers index settings nested, with string values
            view["settings"] = nested_string_settings(pattern["settings"])
        for param in FOLLOW_PARAMS:
            if param in pattern:
                view[param] = pattern[param]
        return {"name": name, "pattern": view}

    def api_ccr_get_auto_follow_pattern(self, call):
        """GET /_ccr/auto_follow[/{name}]."""
        self.authorize(call.principal, "ccr.get_auto_follow_pattern")
        name = call.parts.get("name")
        if name is not None:
            if name not in self.cluster.auto_follow:
                fail(404, "resource_not_found_exception", "auto-follow pattern [%s] is missing" % name)
            return Response(200, {"patterns": [self._pattern_view(name)]})
        return Response(200, {"patterns": [self._pattern_view(n) for n in sorted(self.cluster.auto_follow)]})

    def api_ccr_delete_auto_follow_pattern(self, call):
        """DELETE /_ccr/auto_follow/{name}."""
        self.authorize(call.principal, "ccr.delete_auto_follow_pattern")
        name = call.parts["name"]
        if name not in self.cluster.auto_follow:
            fail(404, "resource_not_found_exception", "auto-follow pattern [%s] is missing" % name)
        del self.cluster.auto_follow[name]
        return Response(200, {"acknowledged": True})

    def run_auto_follow(self):
        """Follow the leader indices created after each active pattern (errors are kept for ccr.stats)."""
        stats = self._auto_follow_stats()
        for name in sorted(self.cluster.auto_follow):
            entry = self.cluster.auto_follow[name]
            if not entry.get("active", True):
                continue
            pattern = entry["pattern"]
            alias = pattern["remote_cluster"]
            message = {"action": "ccr_leader", "index": None, "user": self.remote_user(entry["principal"], alias)}
            try:
                reply = self.remote_call(alias, message)
            except RemoteFailure as exc:
                stats["number_of_failed_remote_cluster_state_requests"] += 1
                stats["recent_auto_follow_errors"] = (stats["recent_auto_follow_errors"] + [{
                    "leader_index": name, "timestamp": int(self.world.clock.now() * 1000),
                    "auto_follow_exception": {"type": exc.etype or "connect_transport_exception", "reason": exc.reason}}])[-5:]
                continue
            clusters = [c for c in stats["auto_followed_clusters"] if c["cluster_name"] != alias]
            clusters.append({"cluster_name": alias, "time_since_last_check_millis": 0, "last_seen_metadata_version": 1})
            stats["auto_followed_clusters"] = clusters
            for leader in reply.get("indices") or []:
                leader_name = leader["name"]
                if leader_name in entry["followed"] or (leader.get("created_at") or 0) <= entry["created_at"]:
                    continue
                if not match_any(pattern["leader_index_patterns"], leader_name):
                    continue
                if match_any(pattern.get("leader_index_exclusion_patterns", []), leader_name):
                    continue
                follower = (pattern.get("follow_index_pattern") or "{{leader_index}}").replace("{{leader_index}}", leader_name)
                entry["followed"].add(leader_name)
                parameters = dict((k, pattern[k]) for k in FOLLOW_PARAMS if k in pattern)
                try:
                    self._start_following(follower, alias, leader_name, entry["principal"], parameters, pattern.get("settings"))
                except Exception as exc:  # pylint: disable=broad-except
                    response = getattr(exc, "response", None)
                    if response is None:
                        raise
                    stats["number_of_failed_follow_indices"] += 1
                    error = response.body.get("error", {}) if isinstance(response.body, dict) else {}
                    stats["recent_auto_follow_errors"] = (stats["recent_auto_follow_errors"] + [{
                        "leader_index": "%s:%s" % (alias, leader_name), "timestamp": int(self.world.clock.now() * 1000),
                        "auto_follow_exception": {"type": error.get("type"), "reason": error.get("reason")}}])[-5:]
                    continue
                stats["number_of_successful_follow_indices"] += 1

    def _auto_follow_stats(self):
        stats = getattr(self.cluster, "auto_follow_stats", None)
        if stats is None:
            stats = {"number_of_failed_follow_indices": 0, "number_of_failed_remote_cluster_state_requests": 0,
                     "number_of_successful_follow_indices": 0, "recent_auto_follow_errors": [], "auto_followed_clusters": []}
            self.cluster.auto_follow_stats = stats
        return stats

    # -- ccr.stats ----------------------------------------------------------------------------------------------------
    def _shard_stats(self, index):
        follower = index.follower
        stats = follower["stats"]
        now = self.world.clock.now()
        checkpoint = len(index.docs) - 1
        leader_max = max(stats.get("leader_max_seq_no", checkpoint), checkpoint)
        size = sum(len(str(doc)) for doc in index.docs)
        shard = {
            "remote_cluster": follower["remote_cluster"], "leader_index": follower["leader_index"], "follower_index": index.name,
            "shard_id": 0, "leader_global_checkpoint": leader_max, "leader_max_seq_no": leader_max,
            "follower_global_checkpoint": checkpoint, "follower_max_seq_no": checkpoint, "last_requested_seq_no": checkpoint,
            "outstanding_read_requests": 1, "outstanding_write_requests": 0, "write_buffer_operation_count": 0,
            "write_buffer_size_in_bytes": 0, "follower_mapping_version": 1, "follower_settings_version": 1,
            "follower_aliases_version": 1, "total_read_time_millis": stats["successful_read_requests"],
            "total_read_remote_exec_time_millis": stats["successful_read_requests"],
            "successful_read_requests": stats["successful_read_requests"], "failed_read_requests": stats["failed_read_requests"],
            "operations_read": stats["operations_read"], "bytes_read": size, "total_write_time_millis": 1,
            "successful_write_requests": stats["successful_read_requests"], "failed_write_requests": 0,
            "operations_written": len(index.docs), "read_exceptions": list(stats.get("read_exceptions") or []),
            "time_since_last_read_millis": int(max(0.0, now - stats.get("last_read", now)) * 1000),
        }
        if stats.get("fatal_exception"):
            shard["fatal_exception"] = dict(stats["fatal_exception"])
        return shard

    def api_ccr_stats(self, call):
        """GET /_ccr/stats (active followers are synced from their leaders first)."""
        self.authorize(call.principal, "ccr.stats")
        self.require_license("ccr")
        self.ccr_background()
        indices = []
        for name in sorted(self.cluster.indices):
            index = self.cluster.indices[name]
            if index.follower and index.follower.get("status") == "active":
                indices.append({"index": name, "total_global_checkpoint_lag": 0, "shards": [self._shard_stats(index)]})
        for entry in indices:
            shard = entry["shards"][0]
            entry["total_global_checkpoint_lag"] = max(0, shard["leader_global_checkpoint"] - shard["follower_global_checkpoint"])
        if version_tuple(self.cluster.version) < (8, 15, 0):
            for entry in indices:
                del entry["total_global_checkpoint_lag"]
        return Response(200, {"auto_follow_stats": copy.deepcopy(self._auto_follow_stats()), "follow_stats": {"indices": indices}})

    # -- leader side (transport) ------------------------------------------------------------------------------------------
    def leader_allowed(self, message, ctx, index_name):
        """Whether the remote user may replicate ``index_name`` from this cluster (API-key or certificate model)."""
        user = message.get("user") or {}
        if ctx.get("model") == "api_key":
            key = ctx.get("api_key")
            access = (key.access or {}) if key is not None else {}
            key_ok = any(match_any(entry.get("names"), index_name) for entry in access.get("replication", []))
            user_ok = any(match_any(entry.get("names"), index_name) and
                          set(entry.get("privileges") or []) & {"cross_cluster_replication", "all"}
                          for entry in user.get("remote_indices") or []
                          if match_any(entry.get("clusters"), ctx.get("alias") or "*"))
            return key_ok and user_ok
        roles = user.get("roles") or []
        if "superuser" in roles:
            return True
        held = set()
        for role in roles:
            descriptor = self.cluster.roles.get(role)
            for entry in (descriptor or {}).get("indices") or []:
                if match_any(entry.get("names"), index_name):
                    held.update(entry.get("privileges") or [])
        return "all" in held or ({"read", "monitor"} <= held) or ("manage" in held and "read" in held)

    def transport_ccr_leader(self, message, ctx):
        """``ccr_leader``: the leader's license and version, and the index (or every index with its creation time)."""
        lic = dict(self.cluster.license or {})
        reply = {"ok": True, "version": self.cluster.version, "license": {"type": lic.get("type"), "status": lic.get("status", "active")}}
        name = message.get("index")
        if name is None:
            reply["indices"] = [{"name": n, "created_at": getattr(i, "created_at", 0) or 0}
                                for n, i in sorted(self.cluster.indices.items())]
            return reply
        index = self.cluster.indices.get(name)
        if not self.leader_allowed(message, ctx, name):
            return {"ok": False, "status": 403, "type": "security_exception", "reason": LEADER_INSUFFICIENT % name}
        if index is None:
            return {"ok": False, "status": 404, "type": "index_not_found_exception", "reason": "no such index [%s]" % name}
        reply["index"] = {"name": name, "uuid": index_uuid(self.cluster, index), "soft_deletes": index.soft_deletes,
                          "closed": index.closed, "docs": len(index.docs), "max_seq_no": len(index.docs) - 1}
        return reply

    def transport_ccr_read(self, message, ctx):
        """``ccr_read``: the leader's documents from a sequence number."""
        name = message.get("index")
        if not self.leader_allowed(message, ctx, name):
            return {"ok": False, "status": 403, "type": "security_exception", "reason": LEADER_INSUFFICIENT % name}
        index = self.cluster.indices.get(name)
        if index is None:
            return {"ok": False, "status": 404, "type": "index_not_found_exception", "reason": "no such index [%s]" % name}
        start = max(0, int(message.get("from_seq_no") or 0))
        return {"ok": True, "docs": copy.deepcopy(index.docs[start:]), "max_seq_no": len(index.docs) - 1}
