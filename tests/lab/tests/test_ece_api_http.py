"""ECE API end to end: HTTPS on 127.0.3.11:12443 through server.HttpService, with the request log."""

import json
import os

import pytest
import requests

from eceops_lab.server import SPEC_REJECTED, HttpService, RequestLog
from test_ece_api_support import Client, check_response, make_world


@pytest.fixture(name="served")
def served_fixture(tmp_path):
    """ECE environment A served on its coordinator address of lab instance 3; yields (client, base url, log, CA file)."""
    world = make_world(tmp_path)
    client = Client(world, "ece-a")
    env = client.env
    log = RequestLog(os.path.join(str(tmp_path), "requests.jsonl"))
    coord = env.certs["coordinator"]
    service = HttpService(env.name, env.ip, env.api_port, client.api.handle, tls=(coord.cert_pem + env.certs["admin_ca"].cert_pem,
                                                                                  coord.key_pem),
                          log=log, faults=world.faults, tick=world.tick)
    assert env.ip == "127.0.3.11" and env.api_port == 12443
    ca_file = os.path.join(str(tmp_path), "certs", "ece-a-admin-ca.pem")
    service.start()
    try:
        yield client, "https://%s:%d/api/v1" % (env.ip, env.api_port), log, ca_file
    finally:
        service.stop()
        log.close()


def test_end_to_end_and_the_request_log_holds_no_secret(served):
    client, base, log, ca_file = served
    session = requests.Session()
    session.headers["Authorization"] = "ApiKey " + client.admin_key
    dep = client.deployment("logs-a")
    secret = "Y3Jvc3MtY2x1c3Rlci1hcGkta2V5LXZhbHVlLXRoYXQtbXVzdC1uZXZlci1sZWFr"

    got = session.get(base + "/deployments/" + dep.id, params={"show_settings": "true"}, verify=ca_file, timeout=10)
    assert got.status_code == 200 and got.headers["x-cloud-resource-version"] == str(dep.resource_version)
    check_response(client.spec, "GET", "/api/v1/deployments/" + dep.id, _as_response(got))

    path = "/deployments/%s/elasticsearch/main-elasticsearch/keystore" % dep.id
    patched = session.patch(base + path, json={"secrets": {"cluster.remote.b.credentials": {"value": secret}}}, verify=ca_file, timeout=10)
    assert patched.status_code == 200 and secret not in patched.text
    check_response(client.spec, "PATCH", "/api/v1" + path, _as_response(patched))

    body = client.update_payload("logs-a", settings={"keystore_contents": {"secrets": {"other.secret": {"value": secret + "2"}}}})
    updated = session.put(base + "/deployments/" + dep.id, json=body, verify=ca_file, timeout=10)
    assert updated.status_code == 200
    check_response(client.spec, "PUT", "/api/v1/deployments/" + dep.id, _as_response(updated))

    bad = session.patch(base + path, json={"secrets": {"x": secret + "3"}}, verify=ca_file, timeout=10)
    assert bad.status_code == 400 and secret not in bad.text
    assert bad.headers["x-cloud-error-codes"] == "root.invalid_json_request"

    denied = requests.get(base + "/deployments", headers={"Authorization": "ApiKey " + client.readonly_key + "x"}, verify=ca_file,
                          timeout=10)
    assert denied.status_code == 401 and denied.json()["errors"][0]["code"] == "root.unauthenticated"
    basic = requests.get(base + "/deployments", auth=("admin", client.env.users["admin"]["password"]), verify=ca_file, timeout=10)
    assert basic.status_code == 200

    assert sorted(client.deployment("logs-a").es[0].keystore) == ["cluster.remote.b.credentials", "other.secret"]
    entries = log.query()
    assert [e["method"] for e in entries] == ["GET", "PATCH", "PUT", "PATCH", "GET", "GET"]
    assert entries[1]["body"]["secrets"]["cluster.remote.b.credentials"]["value"] == "::redacted::"
    # only the answer the swagger spec dictates is marked (the 401 is not a spec rejection)
    assert [e.get("note") for e in entries] == [None, None, None, SPEC_REJECTED + "root.invalid_json_request", None, None]
    with open(log.path, encoding="utf-8") as handle:
        text = handle.read()
    assert text.count("\n") == 6
    for forbidden in (secret, client.admin_key, client.readonly_key, client.env.users["admin"]["password"]):
        assert forbidden not in text
    assert secret[:20] not in text


def _as_response(http_response):
    """A server.Response-like view of a requests response (for check_response)."""
    from eceops_lab.server import Response  # pylint: disable=import-outside-toplevel
    headers = dict((k.lower(), v) for k, v in http_response.headers.items())
    body = json.loads(http_response.text) if http_response.text else None
    return Response(http_response.status_code, body, headers)
