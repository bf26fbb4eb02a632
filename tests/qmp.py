#! /usr/bin/env python3
"""Runs one command on a QEMU's QMP monitor and prints its result.

usage: qmp.py SOCKET COMMAND [ARGUMENTS-JSON [MEMBER]]

SOCKET is the unix socket of -qmp unix:SOCKET,server=on,wait=off.  Prints
the command's return value as JSON, or only its top-level MEMBER (a string
as it is, anything else as JSON, nothing if it is absent).  An error reply
goes to stderr and the exit status is 1.
"""

import json
import socket
import sys


def main():
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    path, command = sys.argv[1:3]
    arguments = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    member = sys.argv[4] if len(sys.argv) > 4 else None

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(60)
    try:
        sock.connect(path)
    except OSError as e:
        sys.exit("qmp.py: %s: %s" % (path, e.strerror))
    replies = sock.makefile("r")

    def reply():
        # Events can come in between; the reply is what is not one.
        while True:
            line = replies.readline()
            if not line:
                sys.exit("qmp.py: QEMU closed the monitor")
            message = json.loads(line)
            if "event" not in message:
                return message

    def execute(name, args):
        request = {"execute": name}
        if args:
            request["arguments"] = args
        sock.sendall((json.dumps(request) + "\n").encode())
        message = reply()
        if "error" in message:
            sys.stderr.write("qmp.py: %s: %s\n"
                             % (name, message["error"].get("desc")))
            sys.exit(1)
        return message.get("return")

    reply()                     # The greeting.
    execute("qmp_capabilities", None)
    result = execute(command, arguments)
    if member is not None:
        if not isinstance(result, dict) or member not in result:
            return
        result = result[member]
        if isinstance(result, str):
            print(result)
            return
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
