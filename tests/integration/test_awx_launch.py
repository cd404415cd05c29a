"""An AWX/AAP job template for scenario A, launched as AWX launches it, against the lab.

What AWX would do: the credential of type awx/credential_types/ece_api.json injects the ECE_* environment variables
(rendered here from its injectors as AWX renders them, the CA as a file); the survey awx/surveys/ece_to_same_ece.json
is answered as AWX passes answers (its defaults, text, JSON text for a structured question, "true"/"false" strings for
booleans, an integer) and nothing else goes into the extra vars: no connection, no secret. The job runs
playbooks/ece_to_same_ece.yml, first as a *Check* job (check mode: nothing written), then for real: the alias
connects, a search through it works, and the cross-cluster key has exactly the access the JSON answer asked for.
"""

import json
import os

from awx_support import (awx_credential_env, awx_launch_vars, cross_cluster_search, deployment, run,  # pylint: disable=import-error
                         wait_connected)
from harness import COLLECTION  # pylint: disable=import-error

SCENARIO = "ece_to_same_ece"
PLAYBOOK = os.path.join(COLLECTION, "playbooks", SCENARIO + ".yml")
SURVEY = os.path.join(COLLECTION, "awx", "surveys", SCENARIO + ".json")
CREDENTIAL_TYPE = os.path.join(COLLECTION, "awx", "credential_types", "ece_api.json")
ALIAS = "logs"
LOCAL, REMOTE = "logs-a", "search-a"


def test_job_template_with_credential_and_survey(lab, tmp_path):
    env_a = lab.describe["environments"]["ece-a"]
    with open(env_a["api_ca"]) as handle:
        ca_pem = handle.read()
    # the ECE API credential: URL, API key, CA certificate; "skip TLS verification" left unset
    env = awx_credential_env(CREDENTIAL_TYPE, {"url": env_a["api_url"], "api_key": env_a["api_key"], "ca_cert": ca_pem}, str(tmp_path))
    assert env["ECE_CA_PATH"] and env["ECE_VALIDATE_CERTS"] == "true"

    with open(SURVEY) as handle:
        survey = json.load(handle)
    answers = {
        SCENARIO + "_local_deployment_id": deployment(lab, "ece-a", LOCAL)["id"],
        SCENARIO + "_remote_deployment_id": deployment(lab, "ece-a", REMOTE)["id"],
        SCENARIO + "_alias": ALIAS,
        SCENARIO + "_access": json.dumps({"search": [{"names": ["logs-*"]}]}),   # a textarea answer: JSON text
        SCENARIO + "_skip_unavailable": "true",                                  # a boolean: a multiple-choice string
        SCENARIO + "_wait_timeout": 120,                                         # an integer question
    }
    extra_vars, problems = awx_launch_vars(survey, answers)
    assert not problems, "AWX would not launch this job (the connection must come from the credential, not the survey; " \
        "the role's connection variable needs a default from ECE_*): %s" % problems
    secrets = (env_a["api_key"], env_a["password"])
    assert not any(secret in json.dumps(extra_vars) for secret in secrets), "a secret in the extra vars"

    # Job type "Check": check mode on a fresh lab writes nothing
    mark = lab.mark()
    result = run(lab, PLAYBOOK, extra_vars=extra_vars, env=env, check=True)
    assert result.rc == 0 and result.failed == 0, result.output[-6000:]
    assert lab.writes_since(mark) == [], "a check job wrote to the lab"

    # Job type "Run"
    result = run(lab, PLAYBOOK, extra_vars=extra_vars, env=env)
    assert result.rc == 0 and result.failed == 0, result.output[-6000:]
    assert not any(secret in result.output for secret in secrets), "a secret in the job output"
    assert wait_connected(lab, "ece-a", LOCAL, ALIAS).get("connected") is True
    status, body = cross_cluster_search(lab, "ece-a", LOCAL, "%s:logs-lab" % ALIAS)
    assert status == 200 and body["hits"]["total"]["value"] > 0, body
    # the key's access is the survey's JSON answer (logs-* only), not the role's default (*)
    status, body = cross_cluster_search(lab, "ece-a", LOCAL, "%s:leader-lab" % ALIAS)
    assert body.get("hits", {}).get("total", {}).get("value", 0) == 0, body
    assert "security_exception" in json.dumps(body), body

    # launched again: nothing to change
    mark = lab.mark()
    result = run(lab, PLAYBOOK, extra_vars=extra_vars, env=env)
    assert result.rc == 0 and result.changed == 0, result.output[-6000:]
    assert lab.writes_since(mark) == []
