"""ECE API request and response validation against Elastic's official Swagger 2.0 spec.

``SwaggerSpec(path)`` loads ``specs/ece/ece-apidocs.json`` (or the ESS user subset, same format) once and builds
a route index. It then:

- ``match(method, path)`` finds the operation of a request path (static segments win over templated ones; the
  trailing ``{proxy_path}`` of the deployment proxy takes the rest of the path, slashes included);
- ``validate_request(...)`` checks the query, the declared headers and the body, the way ECE answers a bad
  request (``400 root.invalid_json_request``, ``BasicFailedReply``);
- ``validate_response(...)`` lists what a response does not conform to.

The lab is deliberately *stricter* than ECE in a few places so that the collection cannot send what the spec
does not know (each strictness is noted where it is implemented):

- an object schema that lists ``properties`` and has no ``additionalProperties`` rejects unknown properties;
- unknown query parameters are rejected (``reject_unknown_query=True``, switchable);
- a body sent to an operation that declares none is rejected;
- a query parameter given twice is rejected.

Where the spec's text says ECE is lenient, the lab is lenient too: ``readOnly`` properties are accepted in
requests (ECE ignores them on write), and ``null`` is accepted for an optional property of a request (ECE's JSON
decoding reads it as absent; ``ElasticsearchClusterSettings.trust`` documents "A `null` value reverts the field
to the default value").

Schema idioms of the go-swagger generated spec:

- ``{"type": "object"}`` with neither ``properties`` nor ``additionalProperties`` *as a property or item
  schema* is go-swagger's ``interface{}``: any JSON value (``KeystoreSecret.value`` "can either be a string or a
  JSON object", ``ElasticsearchConfiguration.user_settings_json``, ``ClusterMetadataInfo.raw``...). As a
  *named definition* (``EmptyResponse``, ``MatchAllQuery``, the plan strategies) it is an empty Go struct: a
  JSON object with any content.
- ``additionalProperties: {...}`` is a map (``KeystoreContents.secrets``).
- a body parameter whose schema is ``{"type": "string"}`` (the deployment resource proxy, the JSON merge
  patches, PEM uploads) takes the raw body text as is.
"""

import json
import re
from urllib.parse import unquote

import jsonschema
from jsonschema import validators as _validators

BASE_PATH = "/api/v1"

#: Error codes. ``root.invalid_json_request`` and its message prefix are ECE's own (seen in Elastic's
#: cloud-sdk-go fixtures). ECE publishes no code for a bad query parameter or a missing header: the lab uses
#: ``root.invalid_query_parameter`` and ``root.missing_header`` (our choice, documented in DESIGN.md).
CODE_INVALID_JSON = "root.invalid_json_request"
CODE_INVALID_QUERY = "root.invalid_query_parameter"
CODE_MISSING_HEADER = "root.missing_header"
CODE_NOT_FOUND = "root.resource_not_found"
CODE_METHOD_NOT_ALLOWED = "root.method_not_allowed"
SCHEMA_PREFIX = "JSON request does not comply with schema: "

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_INT_RANGES = {"int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}
_INT_RE = re.compile(r"^[+-]?[0-9]+$")
_SIMPLE_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_REGION_PREFIX_RE = re.compile(r"^/regions/([^/]+)(/.*)$")
_DEF_KEY = "x-lab-definition"
_NULL_OPTIONAL_KEY = "x-lab-null-optional"
_COPIED_KEYWORDS = ("type", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
                    "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "multipleOf", "minProperties",
                    "maxProperties")


class SpecError(Exception):
    """A request the spec rejects, with ECE's error shape.

    Attributes: ``status`` (HTTP status), ``code`` (ECE error code), ``message`` and ``fields`` (the JSON paths or
    parameter names the error is tied to). ``reply()`` gives the ``BasicFailedReply`` body.
    """

    def __init__(self, status, code, message, fields=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = list(fields or [])

    def reply(self):
        """The ``BasicFailedReply`` body of this error."""
        element = {"code": self.code, "message": self.message}
        if self.fields:
            element["fields"] = list(self.fields)
        return {"errors": [element]}

    def __repr__(self):
        return "SpecError(%r, %r, %r, fields=%r)" % (self.status, self.code, self.message, self.fields)


class Operation:
    """One operation of the spec, possibly bound to the path parameters of a matched request.

    Attributes: ``operation_id``, ``method`` (upper case), ``path`` (the template, without the base path),
    ``path_params`` (dict, empty when not from ``match``), ``raw`` (the operation dict of the spec),
    ``region`` (the ``/regions/<region>`` prefix of the request, or None).
    """

    def __init__(self, operation_id, method, path, raw, path_params=None, region=None, passthrough=False):
        self.operation_id = operation_id
        self.method = method
        self.path = path
        self.raw = raw
        self.path_params = dict(path_params or {})
        self.region = region
        self._passthrough = passthrough

    @property
    def is_write(self):
        """True unless the method is GET or HEAD."""
        return self.method not in ("GET", "HEAD")

    @property
    def is_passthrough(self):
        """True for the deployment resource proxy: its query and response belong to the proxied service."""
        return self._passthrough

    @property
    def parameters(self):
        """The operation's parameter objects."""
        return self.raw.get("parameters", [])

    def bind(self, path_params, region=None):
        """A copy of this operation bound to a request's path parameters."""
        return Operation(self.operation_id, self.method, self.path, self.raw, path_params, region, self._passthrough)

    def __repr__(self):
        return "Operation(%s %s %s %r)" % (self.operation_id, self.method, self.path, self.path_params)


class _Route:
    """A path template with its operations by method."""

    def __init__(self, template, segments):
        self.template = template
        self.segments = segments
        self.operations = {}

    @property
    def greedy(self):
        """True when the last segment takes the rest of the path."""
        return bool(self.segments) and self.segments[-1][0] == "greedy"


class _Node:
    """A node of the route trie."""

    def __init__(self):
        self.static = {}
        self.params = []      # [(name, enum frozenset or None, _Node)]
        self.greedy = []      # [(name, _Route)]
        self.routes = []


def _json_type(value):
    """The JSON type name of a Python value."""
    if value is None:
        result = "null"
    elif isinstance(value, bool):
        result = "boolean"
    elif isinstance(value, int):
        result = "integer"
    elif isinstance(value, float):
        result = "number"
    elif isinstance(value, str):
        result = "string"
    elif isinstance(value, (list, tuple)):
        result = "array"
    elif isinstance(value, dict):
        result = "object"
    else:
        result = type(value).__name__
    return result


def format_path(parts):
    """Format a JSON path (a sequence of keys and indexes) like ``resources.elasticsearch[0].region``.

    Keys that are not simple names are quoted (``secrets["cluster.remote.a.credentials"].as_file``); the root
    itself is ``$``.
    """
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += "[%d]" % part
        elif _SIMPLE_KEY_RE.match(part):
            out += ("." if out else "") + part
        else:
            out += "[%s]" % json.dumps(part)
    return out or "$"


def _lab_properties(validator, properties, instance, schema):
    """Draft 4 ``properties``, except that ``null`` stands for absent on optional request properties."""
    if not validator.is_type(instance, "object"):
        return
    nullable = schema.get(_NULL_OPTIONAL_KEY, False)
    required = schema.get("required", ())
    for prop, subschema in properties.items():
        if prop in instance:
            if nullable and instance[prop] is None and prop not in required:
                continue
            yield from validator.descend(instance[prop], subschema, path=prop, schema_path=prop)


_LabValidator = _validators.extend(jsonschema.Draft4Validator, {"properties": _lab_properties})


class SwaggerSpec:
    """An ECE Swagger 2.0 spec: route matching, request validation and response checks.

    ``reject_unknown_query`` (default True) makes unknown query parameters an error. This is stricter than the
    real API (which ignores them), so that the collection cannot rely on parameters ECE does not know; the
    deployment resource proxy is exempt (its query string belongs to the proxied service).
    """

    def __init__(self, path, reject_unknown_query=True):
        with open(path, "rb") as handle:
            self.spec = json.loads(handle.read().decode("utf-8"))
        self.path = path
        self.reject_unknown_query = reject_unknown_query
        self.base_path = self.spec.get("basePath", BASE_PATH)
        self.definitions = self.spec.get("definitions", {})
        self._by_id = {}
        self._routes = []
        self._root = _Node()
        self._translated = {}
        self._validators = {}
        self._build_index()

    # ---------------------------------------------------------------------------------------------- index

    def _build_index(self):
        for template, item in self.spec.get("paths", {}).items():
            segments = self._segments(template, item)
            route = _Route(template, segments)
            for method in _METHODS:
                raw = item.get(method)
                if raw is None:
                    continue
                operation = Operation(raw.get("operationId", "%s %s" % (method.upper(), template)), method.upper(),
                                      template, raw, passthrough=route.greedy)
                route.operations[method.upper()] = operation
                self._by_id[operation.operation_id] = operation
            self._routes.append(route)
            self._insert(route)

    @staticmethod
    def _segments(template, item):
        """Segments of a template: ("static", text) | ("param", name, enum) | ("greedy", name)."""
        enums = {}
        for method in _METHODS:
            for param in item.get(method, {}).get("parameters", []):
                if param.get("in") == "path" and "enum" in param:
                    enums.setdefault(param["name"], set()).update(param["enum"])
        parts = template.strip("/").split("/") if template.strip("/") else []
        segments = []
        for index, part in enumerate(parts):
            if part.startswith("{") and part.endswith("}"):
                name = part[1:-1]
                # the proxy's last parameter is a path of its own (``_cat/indices``, ``api/spaces/space``)
                if index == len(parts) - 1 and name.endswith("_path"):
                    segments.append(("greedy", name))
                else:
                    enum = enums.get(name)
                    segments.append(("param", name, frozenset(enum) if enum else None))
            else:
                segments.append(("static", part))
        return segments

    def _insert(self, route):
        node = self._root
        for segment in route.segments:
            if segment[0] == "static":
                node = node.static.setdefault(segment[1], _Node())
            elif segment[0] == "param":
                for name, enum, child in node.params:
                    if name == segment[1] and enum == segment[2]:
                        node = child
                        break
                else:
                    child = _Node()
                    node.params.append((segment[1], segment[2], child))
                    # constrained (enum) parameters are tried before free ones
                    node.params.sort(key=lambda entry: entry[1] is None)
                    node = child
            else:
                node.greedy.append((segment[1], route))
                return
        node.routes.append(route)

    def _candidates(self, node, parts, index, params):
        """Yield (route, params) for every template matching parts, most specific first."""
        if index == len(parts):
            for route in node.routes:
                yield route, dict(params)
            return
        segment = parts[index]
        child = node.static.get(segment)
        if child is not None and segment:
            yield from self._candidates(child, parts, index + 1, params)
        if segment:
            value = unquote(segment)
            for name, enum, param_child in node.params:
                if enum is not None and value not in enum:
                    continue
                params[name] = value
                yield from self._candidates(param_child, parts, index + 1, params)
                del params[name]
        for name, route in node.greedy:
            rest = "/".join(parts[index:])
            if rest:
                found = dict(params)
                found[name] = unquote(rest)
                yield route, found

    # ---------------------------------------------------------------------------------------------- matching

    def _normalize(self, path):
        """Strip the query string, extra leading slashes, the base path and a ``/regions/<r>`` prefix."""
        path = path.split("?", 1)[0]
        path = "/" + path.lstrip("/")
        if path == self.base_path or path.startswith(self.base_path + "/"):
            path = path[len(self.base_path):] or "/"
        return path

    def match(self, method, path):
        """Find the operation of ``method path``; returns a bound :class:`Operation`.

        ``path`` may carry the base path ``/api/v1`` (with ECE docs' doubled leading slash too) and, for the
        platform APIs, the ``/regions/<region>`` prefix that Elastic's cloud-sdk-go adds to every path outside
        ``/deployments``. Raises :class:`SpecError` 404 ``root.resource_not_found`` for an unknown path and 405
        ``root.method_not_allowed`` for a known path with another method.
        """
        method = method.upper()
        path = self._normalize(path)
        attempts = [(path, None)]
        regioned = _REGION_PREFIX_RE.match(path)
        if regioned and not regioned.group(2).startswith("/deployments"):
            attempts.append((regioned.group(2), unquote(regioned.group(1))))
        allowed = []
        for candidate_path, region in attempts:
            parts = candidate_path.strip("/").split("/") if candidate_path != "/" else []
            if candidate_path.endswith("/") and candidate_path != "/":
                parts.append("")    # a trailing slash is an empty last segment: it matches nothing
            for route, params in self._candidates(self._root, parts, 0, {}):
                operation = route.operations.get(method)
                if operation is not None:
                    return operation.bind(params, region)
                allowed.extend(m for m in route.operations if m not in allowed)
        if allowed:
            raise SpecError(405, CODE_METHOD_NOT_ALLOWED, "The method [%s] is not allowed for [%s]; allowed: [%s]"
                            % (method, path, ", ".join(sorted(allowed))))
        raise SpecError(404, CODE_NOT_FOUND, "The requested resource [%s %s] could not be found" % (method, path))

    def operation_ids(self):
        """Every operationId of the spec, sorted."""
        return sorted(self._by_id)

    def operation_by_id(self, op_id):
        """The (unbound) :class:`Operation` with this operationId; KeyError if unknown."""
        return self._by_id[op_id]

    # ---------------------------------------------------------------------------------------------- requests

    def validate_request(self, method, path, query, body_bytes, headers=None):
        """Validate a request; returns ``(operation, path_params, params, body)``.

        ``query`` maps names to lists of strings (``urllib.parse.parse_qs(..., keep_blank_values=True)``).
        ``path_params`` are the matched path parameters (csv arrays split into lists); ``params`` holds the
        declared query parameters converted to their types, defaults applied (for the proxy, undeclared
        parameters are passed through as their string value). ``body`` is the parsed JSON,
        the text for string-typed bodies, the raw bytes for multipart uploads, or None without a body.
        Raises :class:`SpecError`.
        """
        operation = self.match(method, path)
        path_params = dict(operation.path_params)
        for param in operation.parameters:
            if param.get("in") == "path" and param.get("type") == "array" and param["name"] in path_params:
                path_params[param["name"]] = [item for item in path_params[param["name"]].split(",") if item]
        params = self._check_query(operation, query or {})
        self._check_headers(operation, headers or {})
        body = self._check_body(operation, body_bytes)
        return operation, path_params, params, body

    def _check_query(self, operation, query):
        declared = {p["name"]: p for p in operation.parameters if p.get("in") == "query"}
        params = {}
        for name in sorted(query):
            values = query[name]
            if isinstance(values, (str, bytes)):
                values = [values]
            values = [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]
            param = declared.get(name)
            if param is None:
                if operation.is_passthrough:
                    params[name] = values[-1] if values else ""
                    continue
                if self.reject_unknown_query:
                    # stricter than ECE, which ignores unknown parameters
                    known = ", ".join(sorted(declared)) or "none"
                    raise SpecError(400, CODE_INVALID_QUERY, "Unknown query parameter [%s] for operation [%s] "
                                    "(known parameters: %s)" % (name, operation.operation_id, known), [name])
                continue
            if len(values) != 1:
                raise SpecError(400, CODE_INVALID_QUERY, "Query parameter [%s] must be given once, got %d values"
                                % (name, len(values)), [name])
            params[name] = _convert_param(param, values[0], "query parameter")
        for name, param in declared.items():
            if name in params:
                continue
            if param.get("required"):
                raise SpecError(400, CODE_INVALID_QUERY, "Missing required query parameter [%s] (%s)"
                                % (name, _describe_type(param)), [name])
            if "default" in param:
                params[name] = param["default"]
        return params

    @staticmethod
    def _check_headers(operation, headers):
        lowered = {}
        for name, value in headers.items():
            lowered[name.lower()] = value
        for param in operation.parameters:
            if param.get("in") != "header":
                continue
            value = lowered.get(param["name"].lower())
            if isinstance(value, (list, tuple)):
                value = value[0] if value else None
            if value is None:
                if param.get("required"):
                    raise SpecError(400, CODE_MISSING_HEADER, "Missing required header [%s]: %s"
                                    % (param["name"], param.get("description", "")), [param["name"]])
                continue
            if "enum" in param and value not in param["enum"]:
                raise SpecError(400, CODE_MISSING_HEADER, "Header [%s] must be one of %s, got [%s]"
                                % (param["name"], param["enum"], value), [param["name"]])

    def _check_body(self, operation, body_bytes):
        if isinstance(body_bytes, str):
            body_bytes = body_bytes.encode("utf-8")
        empty = body_bytes is None or not body_bytes.strip()
        body_param = None
        form = False
        for param in operation.parameters:
            if param.get("in") == "body":
                body_param = param
            elif param.get("in") == "formData":
                form = True
        if form:
            return body_bytes
        if body_param is None:
            if not empty:
                # stricter than ECE: a body where the spec declares none is a client bug
                raise SpecError(400, CODE_INVALID_JSON, SCHEMA_PREFIX + "[operation %s takes no request body]"
                                % operation.operation_id)
            return None
        schema = body_param.get("schema", {})
        if empty:
            if body_param.get("required"):
                raise SpecError(400, CODE_INVALID_JSON, SCHEMA_PREFIX + "[the request body is required (%s)]"
                                % _schema_name(schema), ["body"])
            return None
        try:
            text = body_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SpecError(400, CODE_INVALID_JSON, "The request body is not valid UTF-8: %s" % exc) from exc
        if schema.get("type") == "string" and "$ref" not in schema:
            return text
        try:
            body = json.loads(text)
        except ValueError as exc:
            raise SpecError(400, CODE_INVALID_JSON, "The request body is not valid JSON (%s): %s"
                            % (_schema_name(schema), exc)) from exc
        problems = self._schema_problems(schema, body, "request", frozenset())
        if problems:
            raise SpecError(400, CODE_INVALID_JSON, SCHEMA_PREFIX + "[%s]" % "; ".join(text for field, text in problems),
                            _unique(field for field, text in problems))
        return body

    # ---------------------------------------------------------------------------------------------- responses

    def validate_response(self, operation, status, body, extra_allowed=(), allow_undeclared_status=False):
        """Human-readable problems of a response (an empty list when it conforms).

        ``operation`` is an :class:`Operation` or an operationId; ``body`` the parsed JSON (bytes are parsed).
        ``extra_allowed`` names properties the spec lacks but real ECE returns, as ``"Definition.property"``
        (e.g. ``"ClusterMetadataInfo.ccr"``). A status the operation does not declare is a problem (unless
        ``allow_undeclared_status`` and it is an error status); error bodies are checked against
        ``BasicFailedReply``. The deployment resource proxy is not checked: real ECE answers with the proxied
        service's own status and body (the spec's ``GenericResponse`` wrapper is not what it returns).
        """
        if isinstance(operation, str):
            operation = self.operation_by_id(operation)
        if operation.is_passthrough:
            return []
        extra = self._check_extra(extra_allowed)
        problems = []
        responses = operation.raw.get("responses", {})
        response = responses.get(str(status), responses.get("default"))
        if response is None:
            if not (allow_undeclared_status and int(status) >= 400):
                problems.append("status %s is not declared for %s (declared: %s)"
                                % (status, operation.operation_id, ", ".join(sorted(responses))))
            if int(status) < 400:
                return problems
            schema = {"$ref": "#/definitions/BasicFailedReply"}
        else:
            schema = response.get("schema")
        if schema is None:
            if body not in (None, b"", ""):
                problems.append("status %s of %s declares no body, got one" % (status, operation.operation_id))
            return problems
        if isinstance(body, (bytes, bytearray)):
            if schema.get("type") == "string" and "$ref" not in schema:
                return problems
            try:
                body = json.loads(body.decode("utf-8"))
            except ValueError as exc:
                problems.append("the response body is not valid JSON: %s" % exc)
                return problems
        problems.extend(text for field, text in self._schema_problems(schema, body, "response", extra))
        return problems

    def _check_extra(self, extra_allowed):
        extra = frozenset(extra_allowed or ())
        for item in extra:
            definition, dot, prop = item.partition(".")
            if not dot or not prop or definition not in self.definitions:
                raise ValueError("extra_allowed entries are 'Definition.property' with a known definition, got %r"
                                 % item)
        return extra

    # ---------------------------------------------------------------------------------------------- schemas

    def validate_definition(self, name, instance, request=True, extra_allowed=()):
        """Problems of ``instance`` against definition ``name``: a list of ``(field, text)`` pairs."""
        if name not in self.definitions:
            raise KeyError(name)
        return self._schema_problems({"$ref": "#/definitions/" + name}, instance,
                                     "request" if request else "response", self._check_extra(extra_allowed))

    def _schema_problems(self, schema, instance, mode, extra):
        validator = self._validator(schema, mode, extra)
        problems = []
        for error in validator.iter_errors(instance):
            problems.extend(_describe_error(error))
        problems.sort()
        return _unique(problems)

    def _validator(self, schema, mode, extra):
        key = (json.dumps(schema, sort_keys=True), mode, extra)
        validator = self._validators.get(key)
        if validator is None:
            definitions = self._translated_definitions(mode, extra)
            root = dict(self._translate(schema, mode, extra))
            root["definitions"] = definitions
            validator = _LabValidator(root)
            self._validators[key] = validator
        return validator

    def _translated_definitions(self, mode, extra):
        key = (mode, extra)
        translated = self._translated.get(key)
        if translated is None:
            translated = {name: self._translate(schema, mode, extra, name) for name, schema in self.definitions.items()}
            self._translated[key] = translated
        return translated

    def _translate(self, schema, mode, extra, definition=None):
        """A Swagger 2.0 schema as a strict Draft 4 schema (see the module docstring)."""
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:
            return {"$ref": schema["$ref"]}
        if (schema.get("type") == "object" and "properties" not in schema and "additionalProperties" not in schema
                and "allOf" not in schema):
            if definition is None:
                return {}       # go-swagger's interface{}: any JSON value
            return {"type": "object", _DEF_KEY: definition}
        out = {key: schema[key] for key in _COPIED_KEYWORDS if key in schema}
        if schema.get("type") == "integer" and schema.get("format") in _INT_RANGES:
            low, high = _INT_RANGES[schema["format"]]
            out.setdefault("minimum", low)
            out.setdefault("maximum", high)
        if "items" in schema:
            out["items"] = self._translate(schema["items"], mode, extra)
        if "allOf" in schema:
            out["allOf"] = [self._translate(part, mode, extra) for part in schema["allOf"]]
        if "properties" in schema:
            properties = {name: self._translate(prop, mode, extra) for name, prop in schema["properties"].items()}
            required = list(schema.get("required", []))
            if mode == "request":
                # readOnly properties may be sent back (ECE ignores them on write), never required from a client
                required = [name for name in required if not schema["properties"].get(name, {}).get("readOnly")]
                out[_NULL_OPTIONAL_KEY] = True
            if definition is not None:
                for item in extra:
                    owner, prop = item.split(".", 1)
                    if owner == definition and prop not in properties:
                        properties[prop] = {}
            out["properties"] = properties
            if required:
                out["required"] = required
            discriminator = schema.get("discriminator")
            if discriminator and discriminator not in out.get("required", []):
                # Swagger 2.0: the discriminator property must be present (and listed in required)
                out.setdefault("required", []).append(discriminator)
            if "additionalProperties" not in schema and "allOf" not in schema:
                out["additionalProperties"] = False     # the lab's strictness: unknown fields are errors
        if "additionalProperties" in schema:
            additional = schema["additionalProperties"]
            out["additionalProperties"] = self._translate(additional, mode, extra) if isinstance(additional, dict) \
                else additional
        if definition is not None:
            out[_DEF_KEY] = definition
        return out


def _schema_name(schema):
    ref = schema.get("$ref", "")
    if ref.startswith("#/definitions/"):
        return ref[len("#/definitions/"):]
    return schema.get("type", "body")


def _unique(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _describe_type(param):
    kind = param.get("type", "string")
    if "enum" in param:
        return "one of %s" % ", ".join(str(v) for v in param["enum"])
    if kind == "boolean":
        return "a boolean (true or false)"
    if kind == "integer":
        return "an integer" + (" (%s)" % param["format"] if "format" in param else "")
    if kind == "number":
        return "a number"
    if kind == "array":
        return "a comma-separated list"
    return "a string"


def _convert_param(param, value, where):
    """Convert one query or path parameter value to its declared type; SpecError if it does not fit."""
    kind = param.get("type", "string")
    name = param["name"]

    def bad():
        return SpecError(400, CODE_INVALID_QUERY, "Invalid value [%s] for %s [%s]: expected %s"
                         % (value, where, name, _describe_type(param)), [name])

    if kind == "boolean":
        if value not in ("true", "false"):
            raise bad()
        converted = value == "true"
    elif kind == "integer":
        if not _INT_RE.match(value):
            raise bad()
        converted = int(value)
        low, high = _INT_RANGES.get(param.get("format"), _INT_RANGES["int64"])
        if not low <= converted <= high:
            raise bad()
    elif kind == "number":
        try:
            converted = float(value)
        except ValueError:
            raise bad() from None
    elif kind == "array":
        converted = [item for item in value.split(",") if item]
    else:
        converted = value
    if "enum" in param:
        values = converted if isinstance(converted, list) else [converted]
        if any(item not in param["enum"] for item in values):
            raise bad()
    return converted


def _describe_error(error):
    """(field, text) pairs for one jsonschema error."""
    path = list(error.absolute_path)
    field = format_path(path)
    keyword = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    definition = schema.get(_DEF_KEY)
    where = " in %s" % definition if definition else ""
    instance = error.instance
    if keyword == "required":
        missing = [name for name in error.validator_value if isinstance(instance, dict) and name not in instance]
        return [(format_path(path + [name]), "%s: required field is missing%s" % (format_path(path + [name]), where))
                for name in missing]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = sorted(schema.get("properties", {}))
        extras = sorted(name for name in instance if name not in schema.get("properties", {}))
        return [(format_path(path + [name]), "%s: unknown field%s (known fields: %s)"
                 % (format_path(path + [name]), where, ", ".join(known) or "none")) for name in extras]
    if keyword == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        got = _json_type(instance)
        if got != "null":
            got += " " + _short(instance)
        return [(field, "%s: expected %s, got %s" % (field, expected, got))]
    if keyword == "enum":
        return [(field, "%s: %s is not one of %s" % (field, _short(instance), ", ".join(str(v) for v in error.validator_value)))]
    if keyword in ("minimum", "maximum"):
        return [(field, "%s: %s is out of range (%s %s)" % (field, _short(instance), keyword, error.validator_value))]
    if keyword == "uniqueItems":
        return [(field, "%s: array items must be unique" % field)]
    return [(field, "%s: %s" % (field, error.message))]


def _short(value):
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."
