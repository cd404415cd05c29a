# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's stand-in for Elasticsearch's ``bin/elasticsearch-keystore`` (self-managed nodes).

The keystore is ``<node-home>/config/elasticsearch.keystore``, a JSON file
``{"format": "eceops-lab-keystore/1", "entries": {name: {"value": str}}}`` (mode 0600, unencrypted: the lab does
not simulate keystore passwords). The node reads it at (re)start and on ``POST _nodes/reload_secure_settings``.

Behaviour, messages and exit codes re-implement Elasticsearch's keystore CLI (``distribution/tools/keystore-cli``,
``libs/cli`` ``Command``/``Terminal``, ``KeyStoreWrapper``): errors go to standard error as an empty line and
``ERROR: <message>``; prompts go to standard error and read one line from standard input; a "no" (or empty) answer
to an overwrite/create prompt ends the command with exit code 0 and nothing changed, as the real CLI does; end of
input where a line is needed fails like the real CLI (an uncaught ``IllegalStateException``, exit code 1).
Values are never printed, except by ``show``.
"""

import json
import os
import re
import secrets
import string
import sys

FORMAT = "eceops-lab-keystore/1"
KEYSTORE_FILENAME = "elasticsearch.keystore"
SEED_SETTING = "keystore.seed"

# org.elasticsearch.cli.ExitCodes (sysexits.h values)
OK = 0
USAGE = 64
DATA_ERROR = 65
IO_ERROR = 74
CONFIG = 78
GENERIC_ERROR = 1

#: KeyStoreWrapper.ALLOWED_SETTING_NAME
ALLOWED_SETTING_NAME = re.compile(r"[A-Za-z0-9_\-.]+\Z")
ALLOWED_SETTING_NAME_PATTERN = r"[A-Za-z0-9_\-.]+"
SEED_CHARS = string.ascii_uppercase + string.ascii_lowercase + string.digits + "~!@#$%^&*-_=+?"

DESCRIPTION = "A tool for managing settings stored in the elasticsearch keystore"
COMMANDS = [
    ("create", "Creates a new elasticsearch keystore"),
    ("list", "List entries in the keystore"),
    ("show", "Show a value from the keystore"),
    ("add", "Add string settings to the keystore"),
    ("add-file", "Add a file setting to the keystore"),
    ("remove", "Remove settings from the keystore"),
    ("upgrade", "Upgrade the keystore format"),
    ("passwd", "Changes the password of a keystore"),
    ("has-passwd", "Succeeds if the keystore exists and is password-protected, fails with exit code 1 otherwise."),
]
#: option spellings accepted by each subcommand (besides -h/--help, -s/--silent, -v/--verbose)
OPTIONS = {
    "create": {"-p": "password", "--password": "password"},
    "list": {},
    "show": {},
    "add": {"-x": "stdin", "--stdin": "stdin", "-f": "force", "--force": "force"},
    "add-file": {"-f": "force", "--force": "force"},
    "remove": {},
    "upgrade": {},
    "passwd": {},
    "has-passwd": {},
}
COMMON_OPTIONS = {"-h": "help", "--help": "help", "-s": "silent", "--silent": "silent", "-v": "verbose", "--verbose": "verbose"}


class UserError(Exception):
    """``org.elasticsearch.cli.UserException``: a message and an exit code."""

    def __init__(self, exit_code, message, show_help=None):
        super(UserError, self).__init__(message)
        self.exit_code = exit_code
        self.message = message
        self.show_help = exit_code == USAGE if show_help is None else show_help


class UncaughtError(Exception):
    """An exception the real CLI does not catch (the JVM prints it and exits with 1)."""

    def __init__(self, java_class, message):
        super(UncaughtError, self).__init__(message)
        self.java_class = java_class
        self.message = message


class _Terminal(object):
    """The SystemTerminal: prompts on stderr, one line of stdin per answer."""

    def __init__(self, stdin, stdout, stderr):
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.silent = False

    def println(self, text, always=False):
        """Print a line to stdout (unless silenced)."""
        if always or not self.silent:
            self.stdout.write(text + "\n")
            self.stdout.flush()

    def error(self, text, always=False):
        """Print a line to stderr."""
        if always or not self.silent:
            self.stderr.write(text + "\n")
            self.stderr.flush()

    def read_text(self, prompt):
        """Prompt on stderr and read one line (without its line break)."""
        self.stderr.write(prompt)
        self.stderr.flush()
        line = self.stdin.readline()
        if not line:
            raise UncaughtError("java.lang.IllegalStateException",
                                "unable to read from standard input; is standard input open and a tty attached?")
        if line.endswith("\n"):
            line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        return line

    def prompt_yes_no(self, prompt):
        """Terminal.promptYesNo with default "no"."""
        while True:
            answer = self.read_text(prompt + " [y/N]")
            if not answer:
                return False
            answer = answer.lower()
            if answer in ("y", "n"):
                return answer == "y"
            self.error("Did not understand answer '%s'" % answer)


def keystore_path(node_home):
    """``<node-home>/config/elasticsearch.keystore``."""
    return os.path.join(node_home, "config", KEYSTORE_FILENAME)


def _new_seed():
    return "".join(secrets.choice(SEED_CHARS) for index in range(20))


def load(node_home):
    """The keystore's entries ``{name: value}``, or None when there is no keystore file."""
    path = keystore_path(node_home)
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        try:
            data = json.load(handle)
        except ValueError:
            raise UserError(DATA_ERROR, "Keystore has been corrupted or tampered with")
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("entries"), dict):
        raise UserError(DATA_ERROR, "Keystore has been corrupted or tampered with")
    return dict((name, entry.get("value", "")) for name, entry in data["entries"].items())


def save(node_home, entries):
    """Write the keystore atomically with mode 0600 (the real CLI uses rw-rw----; the lab keeps it to the owner)."""
    path = keystore_path(node_home)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"format": FORMAT, "entries": dict((name, {"value": value}) for name, value in sorted(entries.items()))},
                  handle, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _open_existing(node_home):
    """Load an existing keystore, adding ``keystore.seed`` when missing (as Elasticsearch's upgrade step does)."""
    entries = load(node_home)
    if entries is not None and SEED_SETTING not in entries:
        entries[SEED_SETTING] = _new_seed()
        save(node_home, entries)
    return entries


def _validate_name(name):
    if not ALLOWED_SETTING_NAME.match(name):
        return "Setting name [%s] does not match the allowed setting name pattern [%s]" % (name, ALLOWED_SETTING_NAME_PATTERN)
    return None


class _Base(object):
    """BaseKeyStoreCommand: loads (or offers to create) the keystore, then runs the command."""

    must_exist = True

    def __init__(self, terminal, node_home, options, arguments):
        self.terminal = terminal
        self.node_home = node_home
        self.options = options
        self.arguments = arguments
        self.entries = None

    def run(self):
        """Load the keystore and execute; returns the exit code."""
        self.entries = _open_existing(self.node_home)
        if self.entries is None:
            if self.must_exist:
                raise UserError(DATA_ERROR, "Elasticsearch keystore not found at [%s]. Use 'create' command to create one."
                                % keystore_path(self.node_home))
            if "force" not in self.options:
                if not self.terminal.prompt_yes_no("The elasticsearch keystore does not exist. Do you want to create it?"):
                    self.terminal.println("Exiting without creating keystore.")
                    return OK
            self.entries = {SEED_SETTING: _new_seed()}
            save(self.node_home, self.entries)
        return self.execute()

    def execute(self):
        """The command's work (keystore loaded in ``self.entries``)."""
        raise NotImplementedError


class _List(_Base):
    """list: the names, sorted."""

    def execute(self):
        """Print the names."""
        for name in sorted(self.entries):
            self.terminal.println(name)
        return OK


class _Show(_Base):
    """show: the value of one setting."""

    def execute(self):
        if len(self.arguments) != 1:
            raise UserError(USAGE, "Must provide a single setting name to show")
        name = self.arguments[0]
        if name not in self.entries:
            raise UserError(CONFIG, "Setting [%s] does not exist in the keystore." % name)
        value = self.entries[name]
        if self.terminal.stdout.isatty():
            self.terminal.println(value, always=True)
        else:
            # like the real SystemTerminal: output to a file or pipe gets the value without a line break
            self.terminal.stdout.write(value)
            self.terminal.stdout.flush()
        return OK


class _Add(_Base):
    """add: string settings, one line of input each."""

    must_exist = False

    def execute(self):
        if not self.arguments:
            raise UserError(USAGE, "the setting names can not be empty")
        for name in self.arguments:
            if name in self.entries and "force" not in self.options:
                if not self.terminal.prompt_yes_no("Setting %s already exists. Overwrite?" % name):
                    self.terminal.println("Exiting without modifying keystore.")
                    return OK
            value = self.terminal.read_text("" if "stdin" in self.options else "Enter value for %s: " % name)
            problem = _validate_name(name)
            if problem:
                raise UserError(DATA_ERROR, problem)
            self.entries[name] = value
        save(self.node_home, self.entries)
        return OK


class _AddFile(_Base):
    """add-file: settings from files."""

    must_exist = False

    def execute(self):
        if not self.arguments:
            raise UserError(USAGE, "Missing setting name")
        if len(self.arguments) % 2:
            raise UserError(USAGE, "settings and filenames must come in pairs")
        for index in range(0, len(self.arguments), 2):
            name, path = self.arguments[index], self.arguments[index + 1]
            if name in self.entries and "force" not in self.options:
                if not self.terminal.prompt_yes_no("Setting %s already exists. Overwrite?" % name):
                    self.terminal.println("Exiting without modifying keystore.")
                    return OK
            if not os.path.exists(path):
                raise UserError(IO_ERROR, "File [%s] does not exist" % path)
            problem = _validate_name(name)
            if problem:
                raise UncaughtError("java.lang.IllegalArgumentException", problem)
            with open(path, "rb") as handle:
                self.entries[name] = handle.read().decode("utf-8", "replace")
        save(self.node_home, self.entries)
        return OK


class _Remove(_Base):
    """remove: delete settings."""

    def execute(self):
        if not self.arguments:
            raise UserError(USAGE, "Must supply at least one setting to remove")
        for name in self.arguments:
            if name not in self.entries:
                raise UserError(CONFIG, "Setting [%s] does not exist in the keystore." % name)
            del self.entries[name]
        save(self.node_home, self.entries)
        return OK


def _create(terminal, node_home, options):
    if "password" in options:
        raise UserError(USAGE, "the lab's elasticsearch-keystore does not simulate password-protected keystores (-p/--password)",
                        show_help=False)
    path = keystore_path(node_home)
    if os.path.exists(path):
        if not terminal.prompt_yes_no("An elasticsearch keystore already exists. Overwrite?"):
            terminal.println("Exiting without creating keystore.")
            return OK
    save(node_home, {SEED_SETTING: _new_seed()})
    terminal.println("Created elasticsearch keystore in %s" % path)
    return OK


def _has_passwd(terminal, node_home):
    if load(node_home) is None:
        terminal.error("ERROR: Elasticsearch keystore not found")
        return GENERIC_ERROR
    terminal.error("ERROR: Keystore is not password-protected")
    return GENERIC_ERROR


def _help(command=None):
    if command is None:
        lines = [DESCRIPTION, "", "Commands", "--------"]
        lines.extend("%s - %s" % (name, text) for name, text in COMMANDS)
        lines.extend(["", "Non-option arguments:", "command", ""])
    else:
        lines = [dict(COMMANDS)[command], ""]
    lines.extend(["Option         Description        ", "------         -----------        ",
                  "-h, --help     Show help          ", "-s, --silent   Show minimal output",
                  "-v, --verbose  Show verbose output"])
    if command == "add":
        lines.extend(["-f, --force    Overwrite existing setting without prompting, creating keystore if necessary",
                      "-x, --stdin    Read setting values from stdin"])
    elif command == "add-file":
        lines.append("-f, --force    Overwrite existing setting without prompting, creating keystore if necessary")
    elif command == "create":
        lines.append("-p, --password Prompt for password to encrypt the keystore")
    return "\n".join(lines)


def _parse(command, argv):
    """jopt-simple style: options anywhere, ``--`` ends options, ``-fx`` clusters."""
    allowed = dict(COMMON_OPTIONS)
    allowed.update(OPTIONS[command])
    options, arguments = set(), []
    only_args = False
    for arg in argv:
        if only_args or not arg.startswith("-") or arg == "-":
            arguments.append(arg)
        elif arg == "--":
            only_args = True
        elif arg.startswith("--"):
            if arg not in allowed:
                raise UserError(USAGE, "'%s' is not a recognized option" % arg[2:])
            options.add(allowed[arg])
        else:
            for char in arg[1:]:
                if "-" + char not in allowed:
                    raise UserError(USAGE, "'%s' is not a recognized option" % char)
                options.add(allowed["-" + char])
    return options, arguments


def main(node_home, argv, stdin=None, stdout=None, stderr=None):
    """Run one keystore command for the node whose home directory is ``node_home``; returns the exit code."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    terminal = _Terminal(stdin, stdout, stderr)
    command = None
    try:
        if not argv or argv[0].startswith("-"):
            if argv and argv[0] in ("-h", "--help"):
                terminal.println(_help())
                return OK
            raise UserError(USAGE, "Missing required command")
        command = argv[0]
        if command not in OPTIONS:
            bad, command = command, None
            raise UserError(USAGE, "Unknown command [%s]" % bad)
        options, arguments = _parse(command, argv[1:])
        if "help" in options:
            terminal.println(_help(command))
            return OK
        terminal.silent = "silent" in options
        if command == "create":
            return _create(terminal, node_home, options)
        if command == "has-passwd":
            return _has_passwd(terminal, node_home)
        if command in ("passwd", "upgrade"):
            raise UserError(USAGE, "the lab's elasticsearch-keystore does not support '%s' (keystore passwords and formats "
                                   "are not simulated)" % command, show_help=False)
        handler = {"list": _List, "show": _Show, "add": _Add, "add-file": _AddFile, "remove": _Remove}[command]
        return handler(terminal, node_home, options, arguments).run()
    except UserError as exc:
        if exc.show_help:
            terminal.error(_help(command), always=True)
        terminal.error("")
        terminal.error("ERROR: %s" % exc.message, always=True)
        return exc.exit_code
    except UncaughtError as exc:
        stderr.write('Exception in thread "main" %s: %s\n' % (exc.java_class, exc.message))
        stderr.flush()
        return GENERIC_ERROR
