"""supervisord event listener for `make run`: prints every line the programs write on the terminal, each
led by its program's name, as honcho and foreman do.

supervisord itself only writes its programs' output to files, or unnamed to its own standard output;
it hands the output to a listener as PROCESS_LOG events (https://supervisord.org/events.html). A
listener's standard output is its channel to supervisord, so the lines go to standard error, which
deploy/supervisord.conf sends to the terminal.
"""

from __future__ import annotations

import sys

from supervisor import childutils

NAME_WIDTH = 8  # "sweeper" and a space: the names line up, as the lines that follow them do


def main() -> None:
    # supervisord counts an event's length in characters of UTF-8 text, whatever the locale says.
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        stream.reconfigure(encoding="utf-8", errors="replace")
    unfinished: dict[str, str] = {}  # per program and channel: a line whose end is still to come
    while True:
        try:
            headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        except KeyError:  # an empty header: supervisord closed the channel, it is stopping
            return
        if headers["eventname"].startswith("PROCESS_LOG"):
            source, data = childutils.eventdata(payload)
            stream = f"{source['processname']} {source['channel']}"
            *lines, unfinished[stream] = (unfinished.get(stream, "") + data).split("\n")
            for line in lines:
                sys.stderr.write(f"{source['processname']:<{NAME_WIDTH}}| {line}\n")
            sys.stderr.flush()
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
