"""The guard every integration test runs after itself (conftest ``lab``): the lab marks the answers the official specs
dictate, and ``LabHandle.spec_rejected_since`` finds them. This proves the guard can fail; it sends no playbook."""

import pytest

from awx_support import ece_client  # pylint: disable=import-error


def test_spec_rejections_are_found_and_nothing_else(lab_session):
    lab_session.reset()
    mark = lab_session.mark()
    from ansible_collections.eceops.remote_clusters.plugins.module_utils._http import ApiError  # pylint: disable=import-outside-toplevel
    client = ece_client(lab_session, "ece-a")
    assert client.get("/platform").status == 200
    with pytest.raises(ApiError):
        client.get("/deployments", params={"not_a_parameter": "1"})   # swagger: unknown query parameter
    with pytest.raises(ApiError):
        client.get("/deployments/" + "0" * 32)                        # a real 404, not a spec rejection
    deployment = lab_session.describe["environments"]["ece-a"]["deployments"]["search-a"]["id"]
    proxy = "/deployments/%s/elasticsearch/main-elasticsearch/proxy/" % deployment
    with pytest.raises(ApiError):
        client.get(proxy + "_no_such_api", headers={"X-Management-Request": "true"})   # ES REST spec: no handler
    found = lab_session.spec_rejected_since(mark)
    assert [(entry["method"], entry["path"].split("/")[-1], entry["note"]) for entry in found] == [
        ("GET", "deployments", "spec-rejected: root.invalid_query_parameter"),
        ("GET", "_no_such_api", "spec-rejected: routing 400"),
    ]
    assert len(lab_session.world.log.query(since=mark)) == 4
