"""Elasticsearch REST API spec validation: paths, methods, query parameters and bodies, with ES's own errors.

``EsRestSpec(directory)`` loads the ``rest-api-spec`` JSON files (``specs/elasticsearch/rest-api-spec/*.json``)
and answers like Elasticsearch's ``RestController`` and ``BaseRestHandler`` do:

- ``match`` -> 400 ``{"error": "no handler found for uri [<uri>] and method [<METHOD>]", "status": 400}`` when
  no path matches, 405 ``{"error": "Incorrect HTTP method for uri [<uri>] and method [<METHOD>], allowed: [...]",
  "status": 405}`` when the path matches with other methods (both with ``error`` as a plain string, as ES does);
- ``validate_params`` -> ``illegal_argument_exception`` for unknown parameters (with ES's "did you mean"
  suggestions) and badly typed values;
- ``check_body`` -> ``parse_exception`` "request body is required" and ``illegal_argument_exception``
  "request [<METHOD> <path>] does not support having a body".

The lab only knows the APIs of the copied spec files: a path that real Elasticsearch serves with an API not
copied here (``GET /_security/role/x``) gets the 405 or 400 above.
"""

import glob
import json
import os
import re
from urllib.parse import unquote

#: The order of ``RestRequest.Method``: ES lists allowed methods in this order (an ``EnumSet``).
METHOD_ORDER = ("GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "CONNECT")
#: Parameters every API accepts.
COMMON_PARAMS = ("pretty", "human", "error_trace", "filter_path", "source", "source_content_type")

_TIME_UNITS = ("nanos", "micros", "ms", "s", "m", "h", "d")
_TIME_NANOS = {"nanos": 1, "micros": 10 ** 3, "ms": 10 ** 6, "s": 10 ** 9, "m": 60 * 10 ** 9, "h": 3600 * 10 ** 9,
               "d": 86400 * 10 ** 9}
_LONG_RE = re.compile(r"^[+-]?[0-9]+$")
_FLOAT_RE = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")


class EsSpecError(Exception):
    """An Elasticsearch error answer: ``status`` (HTTP status) and ``body`` (the exact JSON body ES sends)."""

    def __init__(self, status, body):
        super().__init__(body.get("error") if isinstance(body.get("error"), str) else body["error"].get("reason"))
        self.status = status
        self.body = body

    @property
    def error_type(self):
        """The ``error.type`` of the body, or None for the plain-string routing errors."""
        error = self.body.get("error")
        return error.get("type") if isinstance(error, dict) else None

    @property
    def reason(self):
        """The ``error.reason`` of the body (or the plain-string ``error``)."""
        error = self.body.get("error")
        return error.get("reason") if isinstance(error, dict) else error

    def __repr__(self):
        return "EsSpecError(%r, %r)" % (self.status, self.body)


def es_error(status, error_type, reason, **extra):
    """The body of an Elasticsearch error: ``{"error": {"root_cause": [...], "type", "reason", ...}, "status"}``.

    ``extra`` keys (``index``, ``index_uuid``, ``caused_by``, ``resource.id`` given as ``resource_id``...) are
    added to both the root cause and the error; a ``caused_by`` stays on the error only, as in ES. A key
    ``resource_type``/``resource_id`` is written ``resource.type``/``resource.id``.
    """
    fields = {}
    caused_by = extra.pop("caused_by", None)
    for key, value in extra.items():
        if key in ("resource_type", "resource_id"):
            key = key.replace("_", ".", 1)
        fields[key] = value
    root_cause = {"type": error_type, "reason": reason}
    root_cause.update(fields)
    error = {"root_cause": [root_cause], "type": error_type, "reason": reason}
    error.update(fields)
    if caused_by is not None:
        error["caused_by"] = caused_by
    return {"error": error, "status": status}


def levenshtein_similarity(first, second):
    """Lucene's ``LevenshteinDistance.getDistance``: 1 - edits / max(length), 1.0 for equal strings."""
    if first == second:
        return 1.0
    if not first or not second:
        return 0.0
    previous = list(range(len(second) + 1))
    for i, char_a in enumerate(first, 1):
        current = [i]
        for j, char_b in enumerate(second, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return 1.0 - float(previous[-1]) / max(len(first), len(second))


def parse_time_value(name, value):
    """Parse an ES time value like ``TimeValue.parseTimeValue``; returns whole milliseconds (-1 for ``-1``).

    Raises :class:`EsSpecError` 400 ``illegal_argument_exception`` with ES's messages.
    """
    normalized = value.lower().strip()
    unit = None
    for candidate in _TIME_UNITS:
        if candidate == "m":
            # ES parses minutes case-sensitively ('M' would be months)
            if value.strip().endswith("m"):
                unit = candidate
                break
        elif normalized.endswith(candidate):
            unit = candidate
            break
    if unit is None:
        if re.match(r"^-0*1$", normalized):
            return -1
        if re.match(r"^0+$", normalized):
            return 0
        raise EsSpecError(400, es_error(400, "illegal_argument_exception", "failed to parse setting [%s] with value "
                                        "[%s] as a time value: unit is missing or unrecognized" % (name, value)))
    number = normalized[:-len(unit)].strip()
    if _LONG_RE.match(number):
        amount = int(number)
        if amount < -1:
            raise EsSpecError(400, es_error(400, "illegal_argument_exception", "failed to parse setting [%s] with "
                                            "value [%s] as a time value: negative durations are not supported"
                                            % (name, value)))
        return -1 if amount == -1 else amount * _TIME_NANOS[unit] // 10 ** 6
    if _FLOAT_RE.match(number):
        reason = "failed to parse [%s], fractional time values are not supported" % value
    else:
        reason = "failed to parse [%s]" % value
    raise EsSpecError(400, es_error(400, "illegal_argument_exception", reason))


class _EsRoute:
    """One path of the spec with its APIs by method."""

    def __init__(self, path, segments):
        self.path = path
        self.segments = segments        # [(is_part, text)]
        self.apis = {}                  # METHOD -> api name
        self.parts = {}                 # api name -> {part: spec}

    def match(self, parts):
        """The decoded parts dict when ``parts`` (raw path segments) match this route, else None."""
        if len(parts) != len(self.segments):
            return None
        found = {}
        for (is_part, text), segment in zip(self.segments, parts):
            if is_part:
                if not segment:
                    return None
                found[text] = unquote(segment)
            elif segment != text:
                return None
        return found

    def rank(self):
        """Sort key: static segments before parts, position by position (ES's path trie prefers explicit nodes)."""
        return tuple(1 if is_part else 0 for is_part, text in self.segments)


class EsRestSpec:
    """The Elasticsearch REST API spec files of a directory."""

    def __init__(self, directory):
        self.directory = directory
        self.apis = {}
        self._routes = {}
        for filename in sorted(glob.glob(os.path.join(directory, "*.json"))):
            with open(filename, "rb") as handle:
                document = json.loads(handle.read().decode("utf-8"))
            for name, api in document.items():
                self.apis[name] = api
                for entry in api.get("url", {}).get("paths", []):
                    route = self._routes.get(entry["path"])
                    if route is None:
                        segments = [(s.startswith("{") and s.endswith("}"), s.strip("{}") if s.startswith("{") else s)
                                    for s in entry["path"].strip("/").split("/") if entry["path"].strip("/")]
                        route = _EsRoute(entry["path"], segments)
                        self._routes[entry["path"]] = route
                    for method in entry["methods"]:
                        route.apis[method.upper()] = name
                    route.parts[name] = entry.get("parts", {})
        self._ordered = sorted(self._routes.values(), key=lambda r: (r.rank(), r.path))

    # ---------------------------------------------------------------------------------------------- routing

    @staticmethod
    def _split(path):
        """Raw path segments the way ES's PathTrie sees them (Java ``split``: trailing empty segments dropped)."""
        raw = path.split("?", 1)[0]
        if raw.startswith("/"):
            raw = raw[1:]
        parts = raw.split("/") if raw else []
        while parts and parts[-1] == "":
            parts.pop()
        return parts

    def match(self, method, path):
        """``(api_name, parts)`` for ``method path``; :class:`EsSpecError` 400/405 with ES's routing bodies.

        ``path`` may carry the query string: ES quotes the full URI in these two errors.
        """
        method = method.upper()
        parts = self._split(path)
        allowed = set()
        for route in self._ordered:
            found = route.match(parts)
            if found is None:
                continue
            api = route.apis.get(method)
            if api is not None:
                return api, found
            allowed.update(route.apis)
        if allowed:
            ordered = [m for m in METHOD_ORDER if m in allowed]
            raise EsSpecError(405, {"error": "Incorrect HTTP method for uri [%s] and method [%s], allowed: [%s]"
                                             % (path, method, ", ".join(ordered)), "status": 405})
        raise EsSpecError(400, {"error": "no handler found for uri [%s] and method [%s]" % (path, method), "status": 400})

    def allowed_methods(self, path):
        """The methods ES would list for ``path`` (empty when no API serves it)."""
        parts = self._split(path)
        allowed = set()
        for route in self._ordered:
            if route.match(parts) is not None:
                allowed.update(route.apis)
        return [m for m in METHOD_ORDER if m in allowed]

    # ---------------------------------------------------------------------------------------------- params

    def params_of(self, api_name):
        """The declared query parameters of an API (name -> spec)."""
        return dict(self.apis[api_name].get("params", {}))

    def validate_params(self, api_name, query, path=None, apply_defaults=False):
        """Check and convert the query parameters of a request to ``api_name``; returns ``{name: value}``.

        ``query`` maps names to lists of strings (the last value wins, as in ES). Values of declared
        parameters are checked first (ES parses them while preparing the request), then unknown names are
        reported together, like ``BaseRestHandler``. ``path`` (the request path, decoded, without the query)
        appears in the unknown-parameter reason. Path parts are not parameters: repeating one in the query is
        an unknown parameter. Booleans become bool, ``int``/``long``/``number`` int, ``list`` a list of strings;
        ``time`` values stay strings (validated; see :func:`parse_time_value`). With ``apply_defaults`` the
        spec's defaults of the parameters not given are added.
        """
        declared = self.params_of(api_name)
        values = {}
        for name, raw in (query or {}).items():
            if isinstance(raw, (list, tuple)):
                raw = raw[-1] if raw else ""
            values[name] = raw
        converted = {}
        unknown = []
        for name in sorted(values):
            spec = declared.get(name)
            if spec is None:
                if name in COMMON_PARAMS:
                    converted[name] = _convert(name, {"type": "boolean"} if name in ("pretty", "human", "error_trace")
                                               else {"type": "string"}, values[name])
                else:
                    unknown.append(name)
                continue
            converted[name] = _convert(name, spec, values[name])
        if unknown:
            candidates = set(declared) | set(COMMON_PARAMS)
            if path is None:
                path = self.apis[api_name]["url"]["paths"][0]["path"]
            raise EsSpecError(400, es_error(400, "illegal_argument_exception", unrecognized(path, unknown, candidates)))
        if apply_defaults:
            for name, spec in declared.items():
                if name not in converted and "default" in spec:
                    default = spec["default"]
                    converted[name] = _convert(name, spec, default) if isinstance(default, str) else default
        return converted

    # ---------------------------------------------------------------------------------------------- body

    def body_required(self, api_name):
        """True when the spec marks the API's body as required."""
        body = self.apis[api_name].get("body")
        return bool(body and body.get("required"))

    def body_allowed(self, api_name):
        """True when the API's spec has a ``body`` entry."""
        return self.apis[api_name].get("body") is not None

    def check_body(self, api_name, body_bytes, method=None, path=None):
        """Check the presence of a body; :class:`EsSpecError` 400 like ES when it is missing or not supported.

        ``method`` and ``path`` (the request's; by default the API's first spec path and method) appear in ES's
        "does not support having a body" reason: ``request [GET /_cluster/settings] does not support having a
        body``.
        """
        first = self.apis[api_name]["url"]["paths"][0]
        method = method or first["methods"][0]
        path = path or first["path"]
        has_body = bool(body_bytes)
        if not has_body and self.body_required(api_name):
            raise EsSpecError(400, es_error(400, "parse_exception", "request body is required"))
        if has_body and not self.body_allowed(api_name):
            raise EsSpecError(400, es_error(400, "illegal_argument_exception", "request [%s %s] does not support having "
                                            "a body" % (method.upper(), _decoded_path(path))))

    def validate_request(self, method, path, query, body_bytes):
        """Route and check a request in ES's order: routing, parameter values and required body, unknown
        parameters, then an unsupported body. Returns ``(api_name, parts, params)``; raises :class:`EsSpecError`.
        """
        api_name, parts = self.match(method, path)
        decoded = _decoded_path(path)
        declared = self.params_of(api_name)
        known_query = {k: v for k, v in (query or {}).items() if k in declared or k in COMMON_PARAMS}
        params = self.validate_params(api_name, known_query, decoded)
        if not body_bytes and self.body_required(api_name):
            self.check_body(api_name, body_bytes, method, decoded)
        self.validate_params(api_name, query, decoded)
        self.check_body(api_name, body_bytes, method, decoded)
        return api_name, parts, params


def unrecognized(path, invalids, candidates, detail="parameter"):
    """ES's ``BaseRestHandler.unrecognized`` reason, suggestions included."""
    invalids = sorted(invalids)
    message = "request [%s] contains unrecognized %s%s: " % (path, detail, "s" if len(invalids) > 1 else "")
    pieces = []
    for invalid in invalids:
        scored = [(levenshtein_similarity(invalid, c), c) for c in candidates]
        close = [c for score, c in sorted(scored, key=lambda t: (-t[0], t[1])) if score > 0.5]
        piece = "[%s]" % invalid
        if close:
            piece += " -> did you mean %s[%s]?" % ("any of " if len(close) > 1 else "", ", ".join(close))
        pieces.append(piece)
    return message + ", ".join(pieces)


def _decoded_path(path):
    return unquote(path.split("?", 1)[0])


def _bad_boolean(value):
    return EsSpecError(400, es_error(400, "illegal_argument_exception",
                                     "Failed to parse value [%s] as only [true] or [false] are allowed." % value))


def _convert(name, spec, value):
    """One parameter value converted to its spec type, or an EsSpecError with ES's message."""
    kind = spec.get("type", "string")
    if kind == "boolean":
        if value == "":
            return True     # ES: the bare presence of a boolean parameter means true
        if value not in ("true", "false"):
            raise _bad_boolean(value)
        return value == "true"
    if kind in ("int", "long", "number", "integer"):
        if not _LONG_RE.match(value) or (kind == "int" and not -2 ** 31 <= int(value) < 2 ** 31):
            raise EsSpecError(400, es_error(400, "illegal_argument_exception", "Failed to parse %s parameter [%s] with "
                                            "value [%s]" % ("long" if kind == "long" else "int", name, value)))
        return int(value)
    if kind == "boolean|long":
        if value in ("", "true", "false"):
            return value != "false"
        if _LONG_RE.match(value):
            return int(value)
        raise _bad_boolean(value)
    if kind == "time":
        parse_time_value(name, value)
        return value
    if kind == "list":
        items = [item for item in value.split(",") if item]
        _check_options(name, spec, items, value)
        return items
    if kind == "enum":
        _check_options(name, spec, [value], value)
        return value
    return value


def _check_options(name, spec, items, value):
    options = spec.get("options")
    if not options:
        return
    for item in items:
        if item not in options:
            # ES has no single message for this (each enum parser words it its own way); this one names the value
            raise EsSpecError(400, es_error(400, "illegal_argument_exception", "request parameter [%s] has an invalid "
                                            "value [%s]: [%s] is not one of [%s]"
                                            % (name, value, item, ", ".join(options))))
