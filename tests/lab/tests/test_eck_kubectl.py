# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's ``kubectl``: command-line parsing and output, against a built world (the control call replaced by a direct
call of ``eck.control``), and once over real HTTP to a stand-in control endpoint."""

import base64
import io
import json
import os

import pytest
import yaml

from eceops_lab import build, config, eck
from eceops_lab.server import HttpService, json_response

ES_YAML = """\
apiVersion: v1
kind: Secret
metadata:
  name: remote-api-keys
type: Opaque
stringData:
  cluster.remote.search-a.credentials: ZW5jb2RlZC1rZXk=
---
apiVersion: elasticsearch.k8s.elastic.co/v1
kind: Elasticsearch
metadata:
  name: quickstart
spec:
  version: 9.1.3
  remoteClusterServer:
    enabled: true
  secureSettings:
  - secretName: remote-api-keys
  nodeSets:
  - name: default
    count: 1
    config:
      xpack.security.remote_cluster_client.ssl.enabled: true
"""


class Kubectl(object):
    """Runs ``eck.kubectl`` with the control call bound to a built world."""

    def __init__(self, world, state_dir):
        self.world = world
        self.state_dir = state_dir
        self.calls = []

    def call(self, action, key, body):
        self.calls.append((action, key))
        body = json.loads(json.dumps(body))          # what crosses the wire is JSON
        with self.world.lock:
            return json.loads(json.dumps(eck.control(self.world, self.world.clusters[key], "POST", action, body)))

    def __call__(self, *args, stdin=""):
        out, err = io.StringIO(), io.StringIO()
        code = eck.kubectl(self.state_dir, 6, list(args), stdin=io.StringIO(stdin), stdout=out, stderr=err, call=self.call)
        return code, out.getvalue(), err.getvalue()


@pytest.fixture
def world(tmp_path):
    cfg = config.load_config(instance=6, state_dir=str(tmp_path / "state"), switches={"keystore_reload_delay": 0.1})
    return build.build_world(cfg)


@pytest.fixture
def kubectl(world, tmp_path):
    return Kubectl(world, str(tmp_path / "state"))


def test_apply_multi_document_file(kubectl, world, tmp_path):
    path = tmp_path / "es.yaml"
    path.write_text(ES_YAML)
    code, out, err = kubectl("apply", "-f", str(path))
    assert (code, err) == (0, "")
    assert out == "secret/remote-api-keys created\nelasticsearch.elasticsearch.k8s.elastic.co/quickstart configured\n"
    cluster = world.clusters["eck/quickstart"]
    assert cluster.remote_cluster_server_enabled and cluster.restarts == 1
    assert cluster.keystore_loaded == {"cluster.remote.search-a.credentials": "ZW5jb2RlZC1rZXk="}
    assert kubectl.calls == [("_eck_apply", "eck/quickstart")] * 2
    code, out, err = kubectl("apply", "-f", str(path))
    assert out.endswith("quickstart unchanged\n") and "secret/remote-api-keys unchanged" in out


def test_apply_from_stdin_and_directory(kubectl, tmp_path):
    code, out, err = kubectl("apply", "-f", "-", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: trust}\ndata: {a: b}\n")
    assert (code, out, err) == (0, "configmap/trust created\n", "")
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n")
    (folder / "b.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "two"}}]}))
    (folder / "ignored.txt").write_text("not a manifest")
    code, out, err = kubectl("apply", "--filename=%s" % folder)
    assert (code, out) == (0, "configmap/one created\nconfigmap/two created\n")


def test_apply_invalid_manifest(kubectl, world):
    manifest = ES_YAML.split("---\n")[1].replace(
        "  remoteClusterServer:\n    enabled: true\n", "  remoteClusters:\n  - name: ece\n    apiKey: {}\n")
    code, out, err = kubectl("apply", "-f", "-", stdin=manifest)
    assert code == 1 and out == ""
    assert err == 'The Elasticsearch "quickstart" is invalid: spec.remoteClusters[0].apiKey.access: Required value\n'
    assert world.clusters["eck/quickstart"].restarts == 0


def test_apply_unknown_field_strict_and_validate_false(kubectl, world):
    manifest = ES_YAML.split("---\n")[1].replace("enabled: true", "enable: true")
    code, out, err = kubectl("apply", "-f", "-", stdin=manifest)
    assert code == 1
    assert 'strict decoding error: unknown field "spec.remoteClusterServer.enable"' in err
    code, out, err = kubectl("apply", "--validate=false", "-f", "-", stdin=manifest)
    assert (code, err) == (0, "")
    assert world.clusters["eck/quickstart"].remote_cluster_server_enabled is False


def test_apply_client_side_errors(kubectl, tmp_path):
    code, out, err = kubectl("apply", "-f", str(tmp_path / "missing.yaml"))
    assert (code, err) == (1, 'error: the path "%s" does not exist\n' % (tmp_path / "missing.yaml"))
    code, out, err = kubectl("apply")
    assert (code, err) == (1, "error: must specify one of -f and -k\n")
    code, out, err = kubectl("apply", "-f", "-", stdin="metadata: {name: x}\n")
    assert code == 1 and "[apiVersion not set, kind not set]" in err
    code, out, err = kubectl("apply", "-f", "-", stdin="a: [\n")
    assert code == 1 and err.startswith("error: error parsing STDIN: error converting YAML to JSON: yaml: ")
    code, out, err = kubectl("apply", "-n", "prod", "-f", "-", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    assert (code, err) == (1, 'Error from server (NotFound): error when creating "STDIN": namespaces "prod" not found\n')
    code, out, err = kubectl("apply", "-n", "prod", "-f", "-",
                             stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\n")
    assert code == 1 and 'the namespace from the provided object "default" does not match the namespace "prod"' in err
    code, out, err = kubectl("apply", "--bogus", "-f", "-")
    assert (code, err) == (1, "error: unknown flag: --bogus\n")
    code, out, err = kubectl("frob")
    assert (code, err) == (1, 'error: unknown command "frob" for "kubectl"\n')


def test_get_ca_the_way_the_docs_do(kubectl, world):
    cluster = world.clusters["eck/quickstart"]
    pem = cluster.transport_ca.cert_pem
    code, out, err = kubectl("get", "secret", "quickstart-es-transport-certs-public", "-o",
                             'go-template={{index .data "ca.crt" | base64decode}}')
    assert (code, out, err) == (0, pem, "")
    code, out, err = kubectl("get", "secret", "quickstart-es-transport-certs-public", "-o", r"jsonpath={.data.ca\.crt}")
    assert (code, out) == (0, base64.b64encode(pem.encode()).decode())
    code, out, err = kubectl("get", "secret/quickstart-es-elastic-user", "-o=go-template={{.data.elastic | base64decode}}")
    assert (code, out) == (0, cluster.elastic_password)
    code, out, err = kubectl("get", "secret", "quickstart-es-transport-certs-public", "-o", "jsonpath={.data['ca.crt']}")
    assert out == base64.b64encode(pem.encode()).decode()


def test_get_formats(kubectl, world):
    code, out, err = kubectl("get", "elasticsearch")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["NAME", "HEALTH", "NODES", "VERSION", "PHASE", "AGE"]
    assert lines[1].split()[:5] == ["quickstart", "green", "1", "9.1.3", "Ready"]
    code, out, err = kubectl("get", "es", "quickstart", "-o", "json")
    assert json.loads(out)["spec"]["version"] == "9.1.3"
    code, out, err = kubectl("get", "secrets", "-n", "default", "-o", "yaml")
    doc = yaml.safe_load(out)
    assert doc["kind"] == "List" and "quickstart-es-http-certs-public" in [i["metadata"]["name"] for i in doc["items"]]
    code, out, err = kubectl("get", "secret", "quickstart-es-elastic-user", "-o", "name")
    assert out == "secret/quickstart-es-elastic-user\n"
    code, out, err = kubectl("get", "es", "quickstart", "-o", "jsonpath={.status.phase}")
    assert out == "Ready"
    code, out, err = kubectl("get", "secret", "nope")
    assert (code, err) == (1, 'Error from server (NotFound): secrets "nope" not found\n')
    code, out, err = kubectl("get", "configmaps")
    assert (code, out, err) == (0, "", "No resources found in default namespace.\n")
    code, out, err = kubectl("get", "pods")
    assert (code, err) == (1, 'error: the server doesn\'t have a resource type "pods"\n')
    code, out, err = kubectl("get", "secret", "quickstart-es-elastic-user", "-o", "xml")
    assert code == 1 and 'unable to match a printer suitable for the output format "xml"' in err


def test_create_secret_and_configmap_from_files(kubectl, world, tmp_path):
    ca_file = tmp_path / "my-ca.crt"
    ca_file.write_text("PEM-DATA\n")
    trust = tmp_path / "trust.yml"
    trust.write_text("trust.subject_name:\n- '*.node.x.cluster.y.account'\n")
    code, out, err = kubectl("create", "configmap", "remote-ca", "-n", "default", "--from-file=remote-cluster-ca.crt=%s" % ca_file)
    assert (code, out, err) == (0, "configmap/remote-ca created\n", "")
    cluster = world.clusters["eck/quickstart"]
    assert cluster.configmaps["remote-ca"] == {"remote-cluster-ca.crt": "PEM-DATA\n"}
    code, out, err = kubectl("create", "configmap", "quickstart-trust", "--from-file", str(trust))
    assert code == 0 and cluster.configmaps["quickstart-trust"] == {"trust.yml": trust.read_text()}
    code, out, err = kubectl("create", "secret", "generic", "ce-aws-cert", "--from-file=%s" % ca_file, "--from-literal=x=y")
    assert (code, out) == (0, "secret/ce-aws-cert created\n")
    assert cluster.secrets["ce-aws-cert"] == {"my-ca.crt": "PEM-DATA\n", "x": "y"}
    code, out, err = kubectl("create", "secret", "generic", "ce-aws-cert", "--from-file=%s" % ca_file)
    assert (code, err) == (1, 'error: failed to create secret secrets "ce-aws-cert" already exists\n')
    code, out, err = kubectl("create", "configmap", "remote-ca", "--from-file=%s" % ca_file)
    assert (code, err) == (1, 'error: failed to create configmap configmaps "remote-ca" already exists\n')
    code, out, err = kubectl("create", "secret", "generic", "z", "--from-file=%s" % (tmp_path / "nope"))
    assert code == 1 and "no such file or directory" in err
    code, out, err = kubectl("create", "secret", "generic", "z", "--from-literal=bad key=v")
    assert code == 1 and '"bad key" is not a valid key name for a Secret' in err


def test_create_dry_run_client_prints_and_stores_nothing(kubectl, world, tmp_path):
    ca_file = tmp_path / "ca.crt"
    ca_file.write_text("PEM")
    code, out, err = kubectl("create", "secret", "generic", "x", "--from-file=%s" % ca_file, "--dry-run=client", "-o", "yaml")
    doc = yaml.safe_load(out)
    assert code == 0 and doc["kind"] == "Secret" and doc["data"] == {"ca.crt": base64.b64encode(b"PEM").decode()}
    assert "x" not in world.clusters["eck/quickstart"].secrets
    code, out, err = kubectl("apply", "-f", "-", stdin=out)
    assert (code, out) == (0, "secret/x created\n")


def test_create_from_file_uses_create_semantics(kubectl):
    code, out, err = kubectl("create", "-f", "-", stdin=ES_YAML)
    assert code == 1
    assert out == "secret/remote-api-keys created\n"
    assert 'elasticsearches.elasticsearch.k8s.elastic.co "quickstart" already exists' in err


def test_delete(kubectl, world, tmp_path):
    kubectl("apply", "-f", "-", stdin=ES_YAML)
    code, out, err = kubectl("delete", "secret", "remote-api-keys")
    assert (code, out, err) == (0, 'secret "remote-api-keys" deleted\n', "")
    code, out, err = kubectl("delete", "secret", "remote-api-keys")
    assert (code, err) == (1, 'Error from server (NotFound): secrets "remote-api-keys" not found\n')
    assert kubectl("delete", "secret", "remote-api-keys", "--ignore-not-found")[0] == 0
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    kubectl("apply", "-f", str(path))
    code, out, err = kubectl("delete", "-f", str(path))
    assert (code, out) == (0, 'configmap "c" deleted\n')
    code, out, err = kubectl("delete", "secret")
    assert (code, err) == (1, "error: resource(s) were provided, but no name was specified\n")


def test_expose_the_remote_cluster_service(kubectl, world):
    args = ("expose", "service", "quickstart-es-remote-cluster", "--name=quickstart-es-remote-cluster-lb", "--type=LoadBalancer",
            "--port=9443", "--target-port=9443")
    code, out, err = kubectl(*args)
    assert (code, err) == (1, 'Error from server (NotFound): services "quickstart-es-remote-cluster" not found\n')
    kubectl("apply", "-f", "-", stdin=ES_YAML)
    code, out, err = kubectl(*args)
    assert (code, out, err) == (0, "service/quickstart-es-remote-cluster-lb exposed\n", "")
    svc = world.clusters["eck/quickstart"].services["quickstart-es-remote-cluster-lb"]
    assert svc["spec"]["type"] == "LoadBalancer" and svc["spec"]["ports"] == [{"port": 9443, "protocol": "TCP", "targetPort": 9443}]
    code, out, err = kubectl(*args)
    assert (code, err) == (1, 'Error from server (AlreadyExists): services "quickstart-es-remote-cluster-lb" already exists\n')
    code, out, err = kubectl("get", "svc", "quickstart-es-remote-cluster-lb")
    assert "LoadBalancer" in out and "127.0.6.15" in out and "9443/TCP" in out


def test_kubectl_over_http_to_the_control_endpoint(world, tmp_path):
    """The real HTTP path: describe.json names the control URL; a stand-in endpoint routes like EsApi.control should."""
    state = tmp_path / "state"

    def dispatch(request):
        prefix = "/_lab/clusters/"
        rest = request.path[len(prefix):]
        key, action = rest.split("/_", 1)
        with world.lock:
            return json_response(eck.control(world, world.clusters[key], request.method, "_" + action, request.json()))

    service = HttpService("control-stand-in", "127.0.6.2", 18999, dispatch).start()
    try:
        with open(os.path.join(str(state), "describe.json"), "w") as handle:
            json.dump({"instance": 6, "control_url": "http://127.0.6.2:18999",
                       "clusters": {"eck/quickstart": {"kind": "eck", "namespace": "default"}}}, handle)
        out, err = io.StringIO(), io.StringIO()
        code = eck.kubectl(str(state), 6, ["apply", "-f", "-"], stdin=io.StringIO(ES_YAML), stdout=out, stderr=err)
        assert (code, err.getvalue()) == (0, "")
        assert out.getvalue().endswith("quickstart configured\n")
        out = io.StringIO()
        code = eck.kubectl(str(state), 6, ["get", "secret", "remote-api-keys", "-o", "go-template={{index .data "
                                           "\"cluster.remote.search-a.credentials\" | base64decode}}"], stdout=out, stderr=err)
        assert (code, out.getvalue()) == (0, "ZW5jb2RlZC1rZXk=")
    finally:
        service.stop()
    err = io.StringIO()
    code = eck.kubectl(str(state), 6, ["get", "secret", "x"], stdout=io.StringIO(), stderr=err)
    assert code == 1 and "error: the lab does not answer at http://127.0.6.2:18999" in err.getvalue()


def test_jsonpath_and_go_template_helpers():
    obj = {"items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}], "data": {"x.y": "dg=="}}
    assert eck.jsonpath("{.items[*].metadata.name}", obj) == "a b"
    assert eck.jsonpath("name={.items[1].metadata.name};", obj) == "name=b;"
    assert eck.jsonpath(r"{.data.x\.y}", obj) == "dg=="
    assert eck.jsonpath("{.missing.key}", obj) == ""
    assert eck.go_template('{{index .data "x.y" | base64decode}}!', obj) == "v!"
    assert eck.go_template("{{.nothing}}", obj) == "<no value>"
    with pytest.raises(eck.KubectlError):
        eck.go_template("{{printf \"%s\" .data}}", obj)
