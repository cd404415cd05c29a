# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment definition (awx/execution-environment.yml) with the real ansible-builder.

- ``ansible-builder create`` accepts it (no container engine needed) and the build context names the collection;
- the documented alternative (docs/awx.md: the collection from a tarball built by ``ansible-galaxy collection build``)
  is accepted too and puts the tarball into the context;
- the Python dependencies are not repeated in the definition: ansible-builder finds them in the installed collection
  (meta/execution-environment.yml -> requirements.txt), which ``ansible-builder introspect`` shows on the tarball
  built from this checkout.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DEFINITION = os.path.join(ROOT, "awx", "execution-environment.yml")
DOCS = os.path.join(ROOT, "docs", "awx.md")
FQCN = "eceops.remote_clusters"
TARBALL_MARKER = "<!-- ee-tarball-variant -->"


def tool(name):
    """A command from the Python environment running the tests (the project venv), else from PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.isfile(candidate):
        return candidate
    found = shutil.which(name)
    assert found, "%s is not installed (it is in tests/requirements.txt)" % name
    return found


def call(args, cwd=None):
    # a clean environment: with the checkout importable (PYTHONPATH / ANSIBLE_COLLECTIONS_PATH, as the unit tests run),
    # ansible-galaxy would think the collection is installed already and install nothing
    env = dict((key, value) for key, value in os.environ.items() if key not in ("PYTHONPATH", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS"))
    proc = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False, timeout=300)
    assert proc.returncode == 0, "%s failed (%s):\n%s" % (" ".join(args), proc.returncode, proc.stdout[-4000:])
    return proc.stdout


def load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def requirement_lines(path):
    with open(path) as handle:
        return [line.split("#", 1)[0].strip() for line in handle if line.split("#", 1)[0].strip()]


def requirement_name(line):
    return re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0].strip().lower()


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    """The collection tarball built from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    call([tool("ansible-galaxy"), "collection", "build", "--output-path", str(out), ROOT])
    built = [f for f in os.listdir(str(out)) if f.endswith(".tar.gz")]
    assert len(built) == 1, built
    return os.path.join(str(out), built[0])


def test_definition_is_version_3_and_names_the_collection():
    definition = load_yaml(DEFINITION)
    assert definition["version"] == 3
    assert definition["images"]["base_image"]["name"]
    deps = definition["dependencies"]
    assert deps["ansible_core"]["package_pip"].startswith("ansible-core")
    assert deps["ansible_runner"]["package_pip"].startswith("ansible-runner")
    assert [c["name"] for c in deps["galaxy"]["collections"]] == [FQCN]
    # the Python (and system) dependencies come from the collection itself, never repeated here
    assert "python" not in deps and "system" not in deps


def test_collection_metadata_points_at_requirements_txt():
    meta = load_yaml(os.path.join(ROOT, "meta", "execution-environment.yml"))
    assert meta["dependencies"]["python"] == "requirements.txt"
    names = [requirement_name(line) for line in requirement_lines(os.path.join(ROOT, "requirements.txt"))]
    assert {"requests", "cryptography", "jmespath"} <= set(names)


def test_create_names_the_collection(tmp_path):
    context = tmp_path / "context"
    call([tool("ansible-builder"), "create", "-f", DEFINITION, "-c", str(context)])
    requirements = load_yaml(str(context / "_build" / "requirements.yml"))
    assert [c["name"] for c in requirements["collections"]] == [FQCN]
    files = os.listdir(str(context))
    containerfile = [f for f in files if f in ("Containerfile", "Dockerfile")]
    assert containerfile, files
    with open(str(context / containerfile[0])) as handle:
        text = handle.read()
    assert "ansible-galaxy collection install" in text and "-r requirements.yml" in text
    # the image build introspects the installed collections: that is where requests & co. come from
    assert "introspect" in text
    assert not (context / "_build" / "requirements.txt").exists(), "Python dependencies must not be repeated in the definition"


def tarball_variant():
    """The YAML block docs/awx.md gives for building from a tarball (after the marker comment)."""
    with open(DOCS) as handle:
        text = handle.read()
    assert TARBALL_MARKER in text, "docs/awx.md lost the tarball variant"
    block = re.search(r"```yaml\n(.*?)```", text[text.index(TARBALL_MARKER):], re.S)
    assert block, "no yaml block after the marker in docs/awx.md"
    return block.group(1)


def test_documented_tarball_variant_is_accepted(tmp_path, tarball):
    """docs/awx.md's alternative: the collection from a tarball in the build context instead of Galaxy."""
    name = os.path.basename(tarball)
    snippet = re.sub(r"eceops-remote_clusters-[0-9][0-9A-Za-z.+-]*?\.tar\.gz", name, tarball_variant())
    variant = yaml.safe_load(snippet)
    definition = load_yaml(DEFINITION)
    definition["dependencies"]["galaxy"] = variant["dependencies"]["galaxy"]
    definition["additional_build_files"] = variant["additional_build_files"]
    workdir = tmp_path / "awx"
    workdir.mkdir()
    shutil.copy(tarball, str(workdir / name))
    path = workdir / "execution-environment.yml"
    with open(str(path), "w") as handle:
        yaml.safe_dump(definition, handle)
    context = tmp_path / "context"
    call([tool("ansible-builder"), "create", "-f", str(path), "-c", str(context)])
    requirements = load_yaml(str(context / "_build" / "requirements.yml"))
    entries = requirements["collections"]
    assert len(entries) == 1 and entries[0]["type"] == "file"
    # the galaxy stage runs in /build, a copy of the context's _build directory
    relative = os.path.relpath(entries[0]["name"], "/build") if os.path.isabs(entries[0]["name"]) else entries[0]["name"]
    assert (context / "_build" / relative).is_file(), "the requirement names %s, which is not in the build context" % entries[0]["name"]


def test_introspect_finds_the_python_dependencies(tmp_path, tarball):
    collections = tmp_path / "collections"
    call([tool("ansible-galaxy"), "collection", "install", "--force", "-p", str(collections), tarball])
    assert (collections / "ansible_collections" / "eceops" / "remote_clusters" / "MANIFEST.json").is_file()
    out = tmp_path / "requirements-found.txt"
    report = call([tool("ansible-builder"), "introspect", "--write-pip", str(out), str(collections)])
    assert out.exists(), report
    found = requirement_lines(str(out))
    assert sorted(requirement_name(line) for line in found) == sorted(
        requirement_name(line) for line in requirement_lines(os.path.join(ROOT, "requirements.txt")))
    assert {"requests", "cryptography", "jmespath"} <= set(requirement_name(line) for line in found)
    for dep in ("requests", "cryptography", "jmespath"):
        assert re.search(r"%s\S*\s+# from collection %s" % (dep, re.escape(FQCN)), report), report
