"""`python -m runboard replay FILE...`: deliver journals a dead or offline process left behind (the path is
in its "kept in ..." message). Server and key as for runboard.init(): RUNBOARD_API / RUNBOARD_SERVER,
RUNBOARD_API_KEY / RUNBOARD_API_KEY_FILE; never on the command line."""

import argparse
import sys

from . import _settings
from ._journal import Journal, JournalBusy
from ._outbox import Outbox
from ._sender import Sender
from ._transport import GraphQL


def replay(path: str, gql: GraphQL, timeout: float) -> bool:
    journal = Journal(path)
    sender = Sender(gql, Outbox("", journal))  # nothing in memory: every call is in the file
    sender.stop()
    sender.start()
    done = sender.wait_delivered(timeout)
    if done:
        sender.join(5)  # it stops after the last call
    else:
        sender.outbox.keep()  # the sender, still retrying, must not touch the file once it is closed
    journal.close(remove=done)
    return done


def main(argv: list) -> int:
    p = argparse.ArgumentParser(prog="python -m runboard")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("replay", help="deliver journals left on disk")
    r.add_argument("files", nargs="+")
    r.add_argument("--timeout", type=float, default=60.0, help="seconds to keep retrying an unreachable server")
    args = p.parse_args(argv)
    gql = GraphQL(_settings.graphql_url(), _settings.api_key())
    ok = True
    for f in args.files:
        if f.endswith(".cursor"):
            continue  # a journal's companion file (a glob like journal/* names both)
        try:
            done = replay(f, gql, args.timeout)
        except JournalBusy as e:
            print(f"{f}: skipped, {e}", file=sys.stderr)
            continue
        print(f"{f}: {'delivered' if done else 'server unreachable, kept'}", file=sys.stderr)
        ok = ok and done
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
