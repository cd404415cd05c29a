"""ECE API: platform trust relationships, proxy TLS chain, deployment domain name, trusted environments."""

from cryptography.hazmat.primitives import serialization

from eceops_lab import pki
from test_ece_api_support import StubConnector, fixtures

WORLD, ECE, ECH = fixtures()

TR = "/platform/configuration/trust-relationships"


# -- trust relationships ------------------------------------------------------------------------------------------
def test_list_and_filter(ece):
    body = ece.call("GET", TR).body
    assert len(body["trust_relationships"]) == 1
    local = body["trust_relationships"][0]
    assert local["local"] is True and local["account_ids"] == [ece.env.account_id]
    assert local["installation_id"] == ece.env.installation_id != ece.env.account_id
    assert "public_ca_cert" not in local
    with_cert = ece.call("GET", TR, query={"filter": "local", "include_certificate": "true"}).body["trust_relationships"]
    assert with_cert[0]["public_ca_cert"] == ece.env.certs["env_ca"].cert_pem
    assert ece.call("GET", TR, query={"filter": "non-local"}).body == {"trust_relationships": []}
    ece.error("GET", TR, 400, "root.invalid_query_parameter", query={"filter": "remote"}, undeclared_ok=True)


def test_crud_with_versions(ece, world):
    ca = world.environments["ece-b"].certs["env_ca"].cert_pem
    world.clusters["ece-a/search-a"].remote_state("b").connected = True
    created = ece.call("POST", TR, body={"name": "ECE B", "public_ca_cert": ca, "trust_by_default": False,
                                         "account_ids": ["whatever-not-validated"], "installation_id": "anything"})
    assert created.status == 201 and created.headers["x-cloud-resource-version"] == "1"
    rel_id = created.body["id"]
    assert created.body == {"id": rel_id, "name": "ECE B", "trust_by_default": False, "account_ids": ["whatever-not-validated"],
                            "local": False, "installation_id": "anything"}
    assert world.clusters["ece-a/search-a"].remote_state("b").connected is False
    got = ece.call("GET", TR + "/" + rel_id, query={"include_certificate": "true"})
    assert got.body["public_ca_cert"] == ca and got.headers["x-cloud-resource-version"] == "1"
    updated = ece.call("PUT", TR + "/" + rel_id, body={"name": "Environment B", "trust_by_default": True})
    assert updated.body["name"] == "Environment B" and updated.headers["x-cloud-resource-version"] == "2"
    # DELETE with a stale version
    element = ece.error("DELETE", TR + "/" + rel_id, 409, "trust_relationships.version_conflict", query={"version": "1"},
                        undeclared_ok=True)
    assert "2" in element["message"]
    ece.error("DELETE", TR + "/" + rel_id, 400, "root.invalid_query_parameter", query={"version": "two"}, undeclared_ok=True)
    assert ece.call("DELETE", TR + "/" + rel_id, query={"version": "2"}).body == {}
    ece.error("GET", TR + "/" + rel_id, 404, "trust_relationships.not_found")
    ece.error("PUT", TR + "/" + rel_id, 404, "trust_relationships.not_found", body={"name": "x"})
    ece.error("DELETE", TR + "/" + rel_id, 404, "trust_relationships.not_found")


def test_create_validation(ece):
    ece.error("POST", TR, 400, "trust_relationships.invalid_certificate", body={"name": "x", "public_ca_cert": "not a certificate"})
    ece.error("POST", TR, 400, "trust_relationships.invalid_certificate",
              body={"name": "x", "public_ca_cert": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"})
    ece.error("POST", TR, 400, "root.invalid_json_request", body={"public_ca_cert": ece.env.certs["env_ca"].cert_pem})
    assert len(ece.env.trust_relationships) == 1


def test_local_relationship_cannot_be_deleted_or_rekeyed(ece):
    local_id = next(iter(ece.env.trust_relationships))
    ece.error("DELETE", TR + "/" + local_id, 400, "trust_relationships.cannot_delete_local", undeclared_ok=True)
    ece.error("PUT", TR + "/" + local_id, 400, "trust_relationships.cannot_modify_local",
              body={"public_ca_cert": pki.make_ca("other").cert_pem})
    assert ece.call("PUT", TR + "/" + local_id, body={"name": "Home"}).body["name"] == "Home"


def test_trusted_environments(ece, ech, world):
    assert ece.call("GET", "/trusted-environments").body == {"external": []}
    ca = world.environments["ece-b"].certs["env_ca"].cert_pem
    rel_id = ece.call("POST", TR, body={"name": "ECE B", "public_ca_cert": ca, "trust_by_default": True}).body["id"]
    body = ece.call("GET", "/trusted-environments").body
    assert body == {"external": [{"trust_relationship_id": rel_id, "name": "ECE B", "trust_all": True}]}
    assert ece.call("GET", "/trusted-environments", query={"organization_id": ece.env.account_id}).status == 200
    ece.error("GET", "/trusted-environments", 404, "organization.not_found", query={"organization_id": "123"})
    assert ech.call("GET", "/trusted-environments").body == {"external": []}
    ech.error("GET", "/trusted-environments", 400, "root.invalid_query_parameter", query={"organization_id": "1"},
              undeclared_ok=True)


# -- proxy TLS ----------------------------------------------------------------------------------------------------
def proxy_bundle(env, extra_ca_pems=(), key_type="rsa"):
    """A new proxy certificate for the environment's domain, signed by a new CA: key, cert, CA, extra CAs."""
    ca = pki.make_ca("Uploaded proxy CA", key_type="rsa")
    leaf = pki.issue(ca, common_name="*." + env.domain, dns_names=["*." + env.domain, "*.es." + env.domain], key_type=key_type)
    return leaf, ca, [leaf.key_pem_traditional, leaf.cert_pem, ca.cert_pem] + list(extra_ca_pems)


def test_get_proxy_chain(ece):
    body = ece.call("GET", "/platform/configuration/security/tls/proxy").body
    assert body["chain"] == ece.env.proxy_chain and body["user_supplied"] is False
    assert body["chain_status"]["expiration_date"] and body["chain_status"]["first_certificate_to_expire"]
    internal = ece.call("GET", "/platform/configuration/security/tls/internalca").body
    assert internal["chain"] == [ece.env.certs["env_ca"].cert_pem]


def test_upload_proxy_chain_with_extra_ca(ece, world):
    world.connector = StubConnector()
    foreign_env_ca = world.environments["ece-b"].certs["env_ca"].cert_pem
    leaf, ca, parts = proxy_bundle(ece.env, [foreign_env_ca])
    response = ece.call("POST", "/platform/configuration/security/tls/proxy", raw_body="\n".join(parts))
    assert response.status == 202 and response.body == {"service": "proxy"}
    env = ece.env
    assert env.proxy_user_supplied is True and env.proxy_chain_version == 2
    assert [pki.fingerprint(p) for p in env.proxy_chain] == [leaf.fingerprint, ca.fingerprint, pki.fingerprint(foreign_env_ca)]
    assert env.proxy_key_pem.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert world.connector.reloaded == ["ece-a"]
    got = ece.call("GET", "/platform/configuration/security/tls/proxy").body
    assert got["user_supplied"] is True and len(got["chain"]) == 3


def test_upload_rejects_other_key_formats(ece):
    leaf, parts = proxy_bundle(ece.env)[::2]
    pkcs8 = leaf.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()).decode()
    encrypted = leaf.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.BestAvailableEncryption(b"pw")).decode()
    ec_parts = proxy_bundle(ece.env, key_type="ec")[2]
    for first in (pkcs8, encrypted, ec_parts[0], ""):
        element = ece.error("POST", "/platform/configuration/security/tls/proxy", 400, "cert.invalid_cert_chain",
                            raw_body="\n".join([first] + parts[1:]) or "x", undeclared_ok=True)
        assert "expected unencrypted rsa private key" in element["message"]
    # the certificate first, the key after: wrong order
    ece.error("POST", "/platform/configuration/security/tls/proxy", 400, "cert.invalid_cert_chain",
              raw_body="\n".join([parts[1], parts[0], parts[2]]), undeclared_ok=True)
    assert ece.env.proxy_user_supplied is False


def test_upload_rejects_mismatched_key_and_wrong_chain(ece):
    parts = proxy_bundle(ece.env)[2]
    other_parts = proxy_bundle(ece.env)[2]
    element = ece.error("POST", "/platform/configuration/security/tls/proxy", 400, "cert.invalid_cert_chain",
                        raw_body="\n".join([other_parts[0], parts[1], parts[2]]), undeclared_ok=True)
    assert "does not match" in element["message"]
    ece.error("POST", "/platform/configuration/security/tls/proxy", 400, "cert.invalid_cert_chain",
              raw_body="\n".join([parts[0], parts[1], other_parts[2]]), undeclared_ok=True)
    ece.error("POST", "/platform/configuration/security/tls/proxy", 400, "cert.invalid_cert_chain",
              raw_body=parts[0], undeclared_ok=True)
    assert ece.env.proxy_chain_version == 1


def test_only_the_proxy_chain_can_be_replaced(ece):
    parts = proxy_bundle(ece.env)[2]
    ece.error("POST", "/platform/configuration/security/tls/ui", 501, "root.not_implemented_in_lab", raw_body="\n".join(parts),
              undeclared_ok=True)


# -- deployment domain name -----------------------------------------------------------------------------------------
def test_domain_name_get_and_change(ece, world):
    path = "/platform/configuration/networking/deployment_domain_name"
    got = ece.call("GET", path)
    assert got.body == {"value": "ece-a.lab"} and got.headers["x-cloud-resource-version"] == "1"
    ece.error("PUT", path, 409, "networking.cname.version_conflict", body={"value": "new.lab"}, query={"version": "7"})
    ece.error("PUT", path, 400, "networking.cname.bad_version_format", body={"value": "new.lab"}, query={"version": "v1"})
    ece.error("PUT", path, 400, "networking.cname.invalid_value", body={"value": "not a domain"})
    response = ece.call("PUT", path, body={"value": "192.168.44.10.ip.es.io"}, query={"version": "1"})
    assert response.body == {"value": "192.168.44.10.ip.es.io"} and response.headers["x-cloud-resource-version"] == "2"
    assert "no longer matches" in response.headers["x-lab-note"]
    cluster = world.clusters["ece-a/search-a"]
    assert cluster.endpoint == "%s.192.168.44.10.ip.es.io" % cluster.cluster_id
    assert cluster.http_hosts == {cluster.endpoint, "search-a.es.192.168.44.10.ip.es.io"}
    assert cluster.http_url == "https://%s:9243" % cluster.endpoint
    assert world.resolver.resolve(cluster.endpoint) == ece.env.ip
    info = ece.es_info("search-a")["info"]["metadata"]
    assert info["endpoint"] == cluster.endpoint and info["aliased_endpoint"] == "search-a.es.192.168.44.10.ip.es.io"
    # the proxy certificate was not regenerated: it does not cover the new names
    assert not pki.hostname_matches(ece.env.proxy_chain[0], cluster.endpoint)
    # the other environment is untouched
    assert world.clusters["ece-b/search-b"].endpoint.endswith(".ece-b.lab")
