"""The lab's world model: environments, deployments, Elasticsearch clusters and what they hold.

Everything is plain Python objects guarded by ``World.lock`` (an RLock): request handlers take the lock for
the whole request. Time comes from ``World.clock`` so tests can advance it (key expiry). Deferred effects
(plan completion, keystore auto-reload, background connection attempts) are *due* at a clock time and are
applied lazily by ``World.tick()``, which every request calls first: no background threads besides the
listeners, and results are deterministic.

Ownership: ``ece_api.py`` drives Environment/Deployment/EsResource; ``es_api.py`` drives a Cluster's API
state; ``transport.py`` implements ``World.connector`` (the connection engine). They communicate through
the attributes and methods defined here.
"""

import hashlib
import heapq
import itertools
import threading
import time
import uuid


def stable_id(*parts, length=32):
    """A deterministic lowercase hex ID from names (same topology -> same IDs on every run)."""
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()[:length]


def now_iso(ts):
    """ISO 8601 UTC with milliseconds and Z, as ECE writes dates."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".%03dZ" % int((ts % 1) * 1000)


class Clock(object):
    """Wall clock plus an offset that tests can advance."""

    def __init__(self):
        self.offset = 0.0

    def now(self):
        """Current lab time (seconds since the epoch)."""
        return time.time() + self.offset

    def advance(self, seconds):
        """Move lab time forward."""
        self.offset += float(seconds)


class World(object):
    """Everything the lab simulates."""

    def __init__(self, config):
        self.config = config
        self.switches = config.switches
        self.clock = Clock()
        self.lock = threading.RLock()
        self.environments = {}      # name -> Environment
        self.clusters = {}          # key -> Cluster
        self.resolver = None        # tlsnet.Resolver, set by build
        self.connector = None       # transport.Connector, set by the lab at start
        self.log = None             # server.RequestLog
        self.faults = None          # server.FaultTable
        self.public_ca = None       # pki.Issued: the CA the lab treats as publicly trusted (JDK store, system store)
        self._due = []              # heap of (due_time, seq, callable)
        self._seq = itertools.count()

    # -- deferred effects -----------------------------------------------------------------------------------
    def schedule(self, delay, action):
        """Run ``action()`` (under the lock) at the first tick at least ``delay`` seconds from now."""
        heapq.heappush(self._due, (self.clock.now() + max(0.0, delay), next(self._seq), action))

    def tick(self):
        """Apply every deferred effect that is due. Handlers call this first."""
        with self.lock:
            now = self.clock.now()
            while self._due and self._due[0][0] <= now:
                action = heapq.heappop(self._due)[2]
                action()

    def pending_effects(self):
        """How many deferred effects wait (for tests)."""
        return len(self._due)

    # -- lookups --------------------------------------------------------------------------------------------
    def cluster_by_id(self, cluster_id):
        """The cluster with this Elasticsearch cluster ID, or None."""
        for cluster in self.clusters.values():
            if cluster.cluster_id == cluster_id:
                return cluster
        return None

    def cluster_by_host(self, host):
        """The cluster whose HTTP endpoint (or aliased endpoint) is ``host``, or None."""
        host = (host or "").lower().split(":")[0]
        for cluster in self.clusters.values():
            if host in cluster.http_hosts:
                return cluster
        return None

    def deployment(self, deployment_id):
        """The deployment with this ID in any environment, or None."""
        for env in self.environments.values():
            if deployment_id in env.deployments:
                return env.deployments[deployment_id]
        return None


class Environment(object):
    """An ECE installation (kind ``ece``) or an ECH organization in one region (kind ``ech``)."""

    def __init__(self, name, kind, ip, domain, region):
        self.name = name
        self.kind = kind
        self.ip = ip
        self.domain = domain
        self.region = region
        self.ece_version = None
        self.account_id = None           # ECE: the single account; the lab's environment ID by default
        self.installation_id = None      # ECE: deliberately different from account_id (see switches)
        self.organization_id = None      # ECH
        self.api_host = None             # coordinator host name / ECH API host name
        self.api_port = None
        self.certs = {}                  # "admin_ca", "coordinator", "proxy_ca", "proxy", "env_ca" -> pki.Issued
        self.proxy_chain = []            # PEM list: proxy certificate, its CA(s), extra CAs appended by the user
        self.proxy_key_pem = None
        self.proxy_user_supplied = False
        self.proxy_chain_version = 1
        self.api_keys = {}               # secret -> {"id", "role": admin|readonly}
        self.users = {}                  # username -> {"password", "role"}
        self.deployments = {}            # id -> Deployment
        self.trust_relationships = {}    # id -> dict (TrustRelationshipGetResponse fields + public_ca_cert + version)
        self.rulesets = {}               # id -> dict (TrafficFilterRulesetInfo fields, "associations": set of deployment ids)
        self.platform_trust_all = True   # account default: new deployments trust all deployments of the account
        self.domain_version = 1
        self.port_modes = {9243: "tls", 9400: "tls", 9443: "tls"}
        self.switches = {}               # the lab switches (set by build)

    @property
    def environment_id(self):
        """The environment ID as the UI shows it (which API field carries it is a lab switch)."""
        if self.kind == "ech":
            return self.organization_id
        if self.switches.get("environment_id_field") == "installation_id":
            return self.installation_id
        return self.account_id

    @property
    def scope_id(self):
        """The node-name scope of this environment's clusters (environment ID / organization ID)."""
        return self.environment_id

    def local_trust_relationship(self):
        """The trust relationship with ``local: true``."""
        for rel in self.trust_relationships.values():
            if rel.get("local"):
                return rel
        return None

    def rulesets_of(self, deployment_id):
        """Traffic filter rulesets associated with a deployment."""
        return [rs for rs in self.rulesets.values() if deployment_id in rs.get("associations", set())]


class Deployment(object):
    """An ECE/ECH deployment with its Elasticsearch resource(s)."""

    def __init__(self, env, deployment_id, name, created_at):
        self.env = env
        self.id = deployment_id
        self.name = name
        self.alias = None
        self.system_owned = False
        self.hidden = False
        self.created_at = created_at
        self.last_modified = created_at
        self.resource_version = 1        # x-cloud-resource-version
        self.es = []                     # EsResource list
        self.kibana_ref_id = "main-kibana"
        self.kibana_id = None
        self.tags = []
        self.subscription_level = "enterprise"
        self.healthy = True

    def resource(self, ref_id):
        """The ES resource for ``ref_id`` (``_main`` = the only one), or None."""
        if ref_id == "_main":
            return self.es[0] if len(self.es) == 1 else None
        for res in self.es:
            if res.ref_id == ref_id:
                return res
        return None

    def touch(self, now):
        """Record a modification (bumps the resource version)."""
        self.resource_version += 1
        self.last_modified = now


class PendingPlan(object):
    """A plan being applied to an ES resource."""

    def __init__(self, attempt_id, plan, started, complete_at, error=None, source_action="update"):
        self.attempt_id = attempt_id
        self.plan = plan
        self.started = started
        self.complete_at = complete_at
        self.error = error               # None, or the failure message injected by a fault
        self.source_action = source_action
        self.on_success = []             # callables applied when the plan completes successfully


class EsResource(object):
    """The Elasticsearch resource of a deployment (the ECE-side view of a Cluster)."""

    def __init__(self, deployment, ref_id, region, cluster):
        self.deployment = deployment
        self.ref_id = ref_id
        self.region = region
        self.cluster = cluster
        self.plan = {}                   # ElasticsearchClusterPlan of the current plan
        self.current_attempt = None      # dict: ElasticsearchClusterPlanInfo of the current plan
        self.history = []                # list of ElasticsearchClusterPlanInfo dicts
        self.pending = None              # PendingPlan or None
        self.trust = {}                  # ElasticsearchClusterTrustSettings as stored
        self.keystore = {}               # name -> {"value": ..., "as_file": bool}
        self.keystore_changed_at = None
        self.remote_resources = []       # RemoteResourceRef dicts without info, as PUT
        self.remote_resources_changed_at = None
        self.ccr_enabled = True          # info.metadata.ccr; False for deployments created before ECE 2.9.0
        self.display_name = None
        cluster.resource = self


class ApiKey(object):
    """An Elasticsearch API key (REST or cross-cluster)."""

    def __init__(self, key_id, name, key_type, secret, creation, username, realm):
        self.id = key_id
        self.name = name
        self.type = key_type             # "rest" or "cross_cluster"
        self.secret = secret
        self.creation = creation         # seconds
        self.expiration = None           # seconds or None
        self.invalidated = False
        self.invalidation = None
        self.username = username
        self.realm = realm
        self.metadata = {}
        self.role_descriptors = {}
        self.access = None               # cross-cluster keys: the access as given (normalised)
        self.limited_by = []
        self.realm_type = None           # the owner's realm type (get API key shows it from 8.14)
        self.certificate_identity = None  # cross-cluster keys, 9.3+ (strong identity)

    def expired(self, now):
        """Whether the key has expired at ``now``."""
        return self.expiration is not None and now >= self.expiration

    def valid(self, now):
        """Neither invalidated nor expired."""
        return not self.invalidated and not self.expired(now)


class Index(object):
    """An index with its documents (enough for CCS and CCR checks)."""

    def __init__(self, name, docs=None):
        self.name = name
        self.docs = list(docs or [])     # list of source dicts; the position is the seq_no
        self.soft_deletes = True
        self.closed = False
        self.follower = None             # dict: remote_cluster, leader_index, status (active|paused), parameters
        self.created_by_pattern = None
        self.created_at = 0              # lab time of creation (0 = there from the start); auto-follow uses it
        self.uuid = None                 # set on first use by es_ccr.index_uuid


class Node(object):
    """A self-managed node: its own home directory with config/elasticsearch.yml and a keystore file."""

    def __init__(self, name, home):
        self.name = name
        self.home = home                 # <state>/self-managed/<cluster>/<node>

    @property
    def config_dir(self):
        """``$ES_HOME/config``."""
        return self.home + "/config"

    @property
    def keystore_path(self):
        """The keystore file written by the stand-in elasticsearch-keystore command."""
        return self.config_dir + "/elasticsearch.keystore"

    @property
    def yml_path(self):
        """``elasticsearch.yml``."""
        return self.config_dir + "/elasticsearch.yml"


class RemoteState(object):
    """What a local cluster knows about one of its remote connections."""

    def __init__(self, alias):
        self.alias = alias
        self.connected = False
        self.error = None                # the failure, in Elasticsearch's words
        self.failure_kind = None         # machine-readable: see transport.FAILURE_KINDS
        self.detail = None               # the lab's own explanation of the result (not Elasticsearch's words)
        self.model = None                # "api_key" or "certificate"
        self.remote_key = None           # key of the remote Cluster when known
        self.remote_version = None
        self.attempted_at = None
        self.dirty_since = None          # settings/credentials changed at; a background attempt is due
        self.num_sockets = 0


class Cluster(object):
    """An Elasticsearch cluster: an ECE/ECH deployment's, the self-managed one, or the ECK one."""

    def __init__(self, key, kind, cluster_id, name, version, ip):
        self.key = key                   # "ece-a/search-a", "ech/search-ech", "sm", "eck/quickstart"
        self.kind = kind                 # "ece", "ech", "self-managed", "eck"
        self.cluster_id = cluster_id
        self.name = name
        self.cluster_name = cluster_id if kind in ("ece", "ech") else name
        self.cluster_uuid = str(uuid.UUID(stable_id("uuid", key)))
        self.version = version
        self.build_flavor = "default"
        self.ip = ip                     # source address of its outgoing connections
        self.env = None                  # Environment (ECE/ECH) or None
        self.resource = None             # EsResource (ECE/ECH) or None
        self.namespace = None            # ECK
        self.scope_id = None             # node-name scope
        self.http_hosts = set()          # host names routed to this cluster's HTTP API
        self.http_url = None             # the URL clients use
        self.http_ca = None              # pki.Issued: the CA of the HTTP certificate
        self.http_cert = None
        self.node_cert = None            # pki.Issued: transport node certificate (presented on 9300/9400, client cert)
        self.node_name = None
        self.transport_ca = None         # pki.Issued: the CA of node_cert
        self.rcs_cert = None             # pki.Issued: the remote cluster server certificate (self-managed/ECK)
        self.elastic_password = None
        self.users = {}                  # username -> {"password", "roles": [..]}
        self.roles = {}                  # name -> role descriptor as PUT (normalised)
        self.api_keys = {}               # id -> ApiKey
        self.settings = {"persistent": {}, "transient": {}}   # flat keys -> values as given (not stringified)
        self.settings_changed_at = None
        self.yml = {}                    # self-managed/ECK: elasticsearch.yml as on disk / in the manifest (flat keys)
        self.yml_loaded = {}             # what the running nodes use (read at start/restart)
        self.keystore_loaded = {}        # secure settings in use: name -> value
        self.keystore_inconsistent = []  # self-managed: nodes whose loaded remote credentials differ from the first node's
        self.node_state = {}             # self-managed: node name -> {"yml": flat keys, "keystore": entries} as loaded
        self.auto_follow_stats = None    # es_ccr: auto-follow counters (ccr.stats)
        self.nodes = []                  # self-managed: Node list; others: one logical node
        self.indices = {}                # name -> Index
        self.auto_follow = {}            # name -> pattern dict
        self.license = {"type": "enterprise", "status": "active"}
        self.remotes = {}                # alias -> RemoteState
        self.running = True
        self.restarts = 0
        self.manifest = None             # ECK: the Elasticsearch resource as applied
        self.secrets = {}                # ECK: Secret name -> {key: value}; ConfigMaps -> configmaps
        self.configmaps = {}
        self.services = {}               # ECK: user-applied Service name -> object (ECK's own Services are derived, eck.py)
        self.k8s_meta = {}               # ECK: "<Kind>/<name>" -> {"creationTimestamp", "uid", "resourceVersion", ...}
        self.events = []                 # ECK: operator events (dicts: type, reason, message, time), newest last

    @property
    def deployment(self):
        """The ECE/ECH deployment of this cluster, or None."""
        return self.resource.deployment if self.resource else None

    @property
    def remote_cluster_server_enabled(self):
        """ECE/ECH: always (behind the proxies); self-managed/ECK: from the loaded configuration."""
        if self.kind in ("ece", "ech"):
            return True
        value = self.yml_loaded.get("remote_cluster_server.enabled")
        return str(value).lower() == "true"

    def remote_state(self, alias):
        """The RemoteState of an alias (created on first use)."""
        if alias not in self.remotes:
            self.remotes[alias] = RemoteState(alias)
        return self.remotes[alias]

    def mark_remotes_dirty(self, now, aliases=None):
        """Settings or credentials changed: forget the connection state, a new attempt is due."""
        for alias in (aliases if aliases is not None else list(self.remotes)):
            state = self.remote_state(alias)
            state.connected = False
            state.num_sockets = 0
            state.dirty_since = now
