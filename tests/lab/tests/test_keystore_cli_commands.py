# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stand-in ``elasticsearch-keystore``: every subcommand, its messages, exit codes and file permissions."""

import io
import json
import os
import stat
import subprocess
import sys

import pytest

from eceops_lab import keystore_cli

SECRET = "c2VjcmV0LWNyb3NzLWNsdXN0ZXIta2V5OnZhbHVl"
NAME = "cluster.remote.search-a.credentials"


class Run(object):
    """One CLI run: exit code and the two output streams."""

    def __init__(self, home, args, stdin=""):
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.code = keystore_cli.main(home, list(args), stdin=io.StringIO(stdin), stdout=self.stdout, stderr=self.stderr)
        self.out = self.stdout.getvalue()
        self.err = self.stderr.getvalue()


@pytest.fixture
def home(tmp_path):
    """An ES_HOME without a keystore."""
    (tmp_path / "config").mkdir()
    return str(tmp_path)


@pytest.fixture
def created(home):
    """An ES_HOME with a fresh keystore."""
    assert Run(home, ["create"]).code == 0
    return home


def entries(home):
    with open(keystore_cli.keystore_path(home)) as handle:
        data = json.load(handle)
    assert data["format"] == "eceops-lab-keystore/1"
    return dict((k, v["value"]) for k, v in data["entries"].items())


def mode(home):
    return stat.S_IMODE(os.stat(keystore_cli.keystore_path(home)).st_mode)


def test_create_writes_a_keystore_with_a_seed_and_mode_0600(home):
    run = Run(home, ["create"])
    assert run.code == 0
    assert run.out == "Created elasticsearch keystore in %s\n" % os.path.join(home, "config", "elasticsearch.keystore")
    assert list(entries(home)) == ["keystore.seed"]
    assert len(entries(home)["keystore.seed"]) == 20
    assert mode(home) == 0o600


def test_create_over_an_existing_keystore_asks_and_no_keeps_it(created):
    Run(created, ["add", "-x", NAME], SECRET + "\n")
    run = Run(created, ["create"], "n\n")
    assert run.code == 0
    assert run.err == "An elasticsearch keystore already exists. Overwrite? [y/N]"
    assert run.out == "Exiting without creating keystore.\n"
    assert entries(created)[NAME] == SECRET
    run = Run(created, ["create"], "\n")      # empty answer = the default: no
    assert run.code == 0 and NAME in entries(created)


def test_create_over_an_existing_keystore_yes_replaces_it(created):
    Run(created, ["add", "-x", NAME], SECRET + "\n")
    run = Run(created, ["create"], "y\n")
    assert run.code == 0
    assert "Created elasticsearch keystore in" in run.out
    assert list(entries(created)) == ["keystore.seed"]


def test_create_with_password_is_not_simulated(home):
    run = Run(home, ["create", "-p"])
    assert run.code == keystore_cli.USAGE
    assert "does not simulate password-protected keystores" in run.err
    assert not os.path.exists(keystore_cli.keystore_path(home))


def test_list_prints_sorted_names_including_the_seed(created):
    Run(created, ["add", "-x", "zeta.setting", "alpha.setting"], "1\n2\n")
    run = Run(created, ["list"])
    assert run.code == 0
    assert run.out.splitlines() == ["alpha.setting", "keystore.seed", "zeta.setting"]
    assert Run(created, ["list", "--silent"]).out == ""


def test_list_without_keystore_is_a_data_error(home):
    run = Run(home, ["list"])
    assert run.code == keystore_cli.DATA_ERROR == 65
    assert run.err == "\nERROR: Elasticsearch keystore not found at [%s]. Use 'create' command to create one.\n" \
        % keystore_cli.keystore_path(home)


def test_keystore_written_by_the_lab_without_seed_gets_one(home):
    with open(keystore_cli.keystore_path(home), "w") as handle:
        json.dump({"format": "eceops-lab-keystore/1", "entries": {}}, handle)
    os.chmod(keystore_cli.keystore_path(home), 0o600)
    assert Run(home, ["list"]).out == "keystore.seed\n"
    assert "keystore.seed" in entries(home)
    assert mode(home) == 0o600


def test_add_from_stdin_stores_the_first_line_and_prints_nothing(created):
    run = Run(created, ["add", "-x", NAME], SECRET + "\nsecond line\n")
    assert run.code == 0
    assert run.out == "" and run.err == ""
    assert entries(created)[NAME] == SECRET
    assert mode(created) == 0o600


def test_add_without_x_prompts_on_stderr(created):
    run = Run(created, ["add", NAME], SECRET + "\n")
    assert run.code == 0
    assert run.err == "Enter value for %s: " % NAME
    assert SECRET not in run.err + run.out
    assert entries(created)[NAME] == SECRET


def test_add_several_settings_reads_one_line_each(created):
    run = Run(created, ["add", "--stdin", "a.one", "a.two"], "v1\r\nv2")
    assert run.code == 0
    assert entries(created)["a.one"] == "v1" and entries(created)["a.two"] == "v2"


def test_add_existing_setting_without_force_asks_and_no_leaves_it(created):
    Run(created, ["add", "-x", NAME], "old\n")
    run = Run(created, ["add", "-x", NAME], "n\nnew\n")
    assert run.code == 0
    assert run.err == "Setting %s already exists. Overwrite? [y/N]" % NAME
    assert run.out == "Exiting without modifying keystore.\n"
    assert entries(created)[NAME] == "old"


def test_add_existing_setting_answer_not_understood_asks_again(created):
    Run(created, ["add", "-x", NAME], "old\n")
    run = Run(created, ["add", "-x", NAME], "maybe\ny\nnew\n")
    assert run.code == 0
    assert "Did not understand answer 'maybe'" in run.err
    assert entries(created)[NAME] == "new"


def test_add_existing_setting_with_closed_stdin_fails(created):
    Run(created, ["add", "-x", NAME], "old\n")
    run = Run(created, ["add", "-x", NAME], "")
    assert run.code == 1
    assert run.err.endswith('Exception in thread "main" java.lang.IllegalStateException: unable to read from standard input; '
                            'is standard input open and a tty attached?\n')
    assert entries(created)[NAME] == "old"


def test_add_existing_setting_yes_or_force_overwrites(created):
    Run(created, ["add", "-x", NAME], "old\n")
    assert Run(created, ["add", "-x", NAME], "y\nnewer\n").code == 0
    assert entries(created)[NAME] == "newer"
    run = Run(created, ["add", "-x", "-f", NAME], "newest\n")
    assert run.code == 0 and run.err == ""
    assert entries(created)[NAME] == "newest"
    assert Run(created, ["add", "-xf", NAME], "clustered\n").code == 0
    assert entries(created)[NAME] == "clustered"


def test_add_without_keystore_asks_to_create_it(home):
    run = Run(home, ["add", "-x", NAME], "n\n")
    assert run.code == 0
    assert run.err == "The elasticsearch keystore does not exist. Do you want to create it? [y/N]"
    assert run.out == "Exiting without creating keystore.\n"
    assert not os.path.exists(keystore_cli.keystore_path(home))
    run = Run(home, ["add", "-x", NAME], "y\n" + SECRET + "\n")
    assert run.code == 0
    assert entries(home)[NAME] == SECRET


def test_add_with_force_creates_the_keystore(home):
    run = Run(home, ["add", "--force", "-x", NAME], SECRET + "\n")
    assert run.code == 0 and run.err == ""
    assert sorted(entries(home)) == sorted([NAME, "keystore.seed"])
    assert mode(home) == 0o600


def test_add_without_names_is_a_usage_error(created):
    run = Run(created, ["add", "-x"])
    assert run.code == keystore_cli.USAGE == 64
    assert run.err.endswith("\nERROR: the setting names can not be empty\n")
    assert "Add string settings to the keystore" in run.err     # help on stderr first


def test_add_invalid_setting_name_is_a_data_error(created):
    run = Run(created, ["add", "-x", "bad@name"], "v\n")
    assert run.code == keystore_cli.DATA_ERROR
    assert run.err == "\nERROR: Setting name [bad@name] does not match the allowed setting name pattern [[A-Za-z0-9_\\-.]+]\n"
    assert "bad@name" not in entries(created)


def test_upper_case_names_match_the_real_pattern(created):
    assert Run(created, ["add", "-x", "Some.Upper_Case-Name"], "v\n").code == 0
    assert entries(created)["Some.Upper_Case-Name"] == "v"


def test_add_file(created, tmp_path):
    source = tmp_path / "ca.pem"
    source.write_text("-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n")
    run = Run(created, ["add-file", "xpack.security.http.ssl.ca", str(source)])
    assert run.code == 0 and run.out == "" and run.err == ""
    assert entries(created)["xpack.security.http.ssl.ca"] == source.read_text()


def test_add_file_errors(created, tmp_path):
    run = Run(created, ["add-file", "a.b", str(tmp_path / "missing.pem")])
    assert run.code == keystore_cli.IO_ERROR == 74
    assert run.err == "\nERROR: File [%s] does not exist\n" % (tmp_path / "missing.pem")
    run = Run(created, ["add-file", "a.b"])
    assert run.code == 64 and run.err.endswith("ERROR: settings and filenames must come in pairs\n")
    run = Run(created, ["add-file"])
    assert run.code == 64 and run.err.endswith("ERROR: Missing setting name\n")
    source = tmp_path / "f"
    source.write_text("x")
    run = Run(created, ["add-file", "bad name", str(source)])
    assert run.code == 1
    assert 'java.lang.IllegalArgumentException: Setting name [bad name] does not match' in run.err


def test_add_file_existing_setting_prompts(created, tmp_path):
    source = tmp_path / "f"
    source.write_text("content")
    Run(created, ["add-file", "a.b", str(source)])
    run = Run(created, ["add-file", "a.b", str(source)], "n\n")
    assert run.code == 0 and run.out == "Exiting without modifying keystore.\n"
    assert Run(created, ["add-file", "-f", "a.b", str(source)]).code == 0


def test_remove(created):
    Run(created, ["add", "-x", NAME, "other.setting"], "1\n2\n")
    run = Run(created, ["remove", NAME])
    assert run.code == 0 and run.out == "" and run.err == ""
    assert sorted(entries(created)) == ["keystore.seed", "other.setting"]


def test_remove_missing_setting_is_a_config_error_and_changes_nothing(created):
    Run(created, ["add", "-x", "other.setting"], "1\n")
    run = Run(created, ["remove", "other.setting", "missing.setting"])
    assert run.code == keystore_cli.CONFIG == 78
    assert run.err == "\nERROR: Setting [missing.setting] does not exist in the keystore.\n"
    assert "other.setting" in entries(created)     # nothing saved


def test_remove_usage_and_missing_keystore(home):
    assert Run(home, ["remove", "a"]).code == 65
    Run(home, ["create"])
    run = Run(home, ["remove"])
    assert run.code == 64 and run.err.endswith("ERROR: Must supply at least one setting to remove\n")


def test_show_prints_only_the_value(created):
    Run(created, ["add", "-x", NAME], SECRET + "\n")
    run = Run(created, ["show", NAME])
    assert run.code == 0
    assert run.out == SECRET          # no line break when the output is not a terminal, as the real CLI
    assert run.err == ""


def test_show_errors(created):
    run = Run(created, ["show", "missing.setting"])
    assert run.code == 78 and run.err == "\nERROR: Setting [missing.setting] does not exist in the keystore.\n"
    run = Run(created, ["show"])
    assert run.code == 64 and run.err.endswith("ERROR: Must provide a single setting name to show\n")
    run = Run(created, ["show", "a", "b"])
    assert run.code == 64


def test_has_passwd(home):
    run = Run(home, ["has-passwd"])
    assert run.code == 1 and run.err == "ERROR: Elasticsearch keystore not found\n"
    Run(home, ["create"])
    run = Run(home, ["has-passwd"])
    assert run.code == 1 and run.err == "ERROR: Keystore is not password-protected\n" and run.out == ""
    assert Run(home, ["has-passwd", "-s"]).err == ""


@pytest.mark.parametrize("command", ["passwd", "upgrade"])
def test_passwd_and_upgrade_are_not_simulated(created, command):
    run = Run(created, [command])
    assert run.code == 64
    assert "does not support '%s'" % command in run.err


def test_command_and_option_errors(created):
    run = Run(created, [])
    assert run.code == 64 and run.err.endswith("ERROR: Missing required command\n")
    run = Run(created, ["frobnicate"])
    assert run.code == 64 and run.err.endswith("ERROR: Unknown command [frobnicate]\n")
    run = Run(created, ["list", "-q"])
    assert run.code == 64 and run.err.endswith("ERROR: 'q' is not a recognized option\n")
    run = Run(created, ["add", "--nope", "a"])
    assert run.code == 64 and run.err.endswith("ERROR: 'nope' is not a recognized option\n")
    assert Run(created, ["--help"]).code == 0
    assert "Read setting values from stdin" in Run(created, ["add", "-h"]).out


def test_values_are_never_printed_except_by_show(home, tmp_path):
    source = tmp_path / "secret-file"
    source.write_text(SECRET)
    outputs = []
    for args, stdin in ((["add", "-x", NAME], "y\n" + SECRET + "\n"), (["add", NAME], SECRET + "\n"),
                        (["add", NAME], "y\n" + SECRET + "\n"), (["add-file", "-f", "f.s", str(source)], ""),
                        (["list"], ""), (["remove", "missing"], ""), (["has-passwd"], ""), (["add", "bad name"], SECRET + "\n"),
                        (["create"], "n\n")):
        run = Run(home, args, stdin)
        outputs.append(run.out + run.err)
    assert not any(SECRET in text for text in outputs)
    assert Run(home, ["show", NAME]).out == SECRET


def test_wrapper_written_by_build_runs_through_labctl(tmp_path):
    from eceops_lab import build, config  # pylint: disable=import-outside-toplevel
    cfg = config.load_config(instance=6, state_dir=str(tmp_path / "state"))
    world = build.build_world(cfg)
    node = world.clusters["sm"].nodes[0]
    command = os.path.join(node.home, "bin", "elasticsearch-keystore")
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run([command, "add", "-x", NAME], input=SECRET + "\n", capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([command, "list"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [NAME, "keystore.seed"]
    assert entries(node.home)[NAME] == SECRET
    done = subprocess.run([command, "remove", "nope"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 78
    assert "ERROR: Setting [nope] does not exist in the keystore." in done.stderr
