#!/usr/bin/python3
"""A loopback SMTP server for swarmbot's tests and demo (Debian's python3-aiosmtpd).

Listens on 127.0.0.1 at a free port and prints "port N" once it does. Each
message it accepts becomes DIR/NNNN.json: the envelope, the client's port
(one port for many messages means one reused connection), the headers as
received, the subject and body as a mail reader decodes them, and the raw
text. --refuse ADDR answers RCPT TO:<ADDR> with 550, --defer ADDR with 451.
With --user NAME and --password TEXT it wants a login (AUTH PLAIN or LOGIN, no
TLS needed on loopback): a client that doesn't log in gets 530 at MAIL FROM,
a wrong name or password 535.
With --faults FILE it misbehaves on purpose as that JSON file says, read again
for each connection and command, so a test can change it between messages:
{"greet": "421 ..."} answers a new connection with that and hangs up;
{"mail": "421 ..."} answers MAIL FROM with that (and hangs up after a 421);
{"hang_up_after_data": true} takes the whole message, final dot included, and
hangs up without answering it (the message is not kept).
It stops when its stdin closes, so it never outlives the test or demo that started it.
"""
import argparse
import asyncio
import email
import email.header
import email.policy
import json
import logging
import os
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def read_faults(path):
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


class Greeter(asyncio.Protocol):
    """Answers a new connection with one reply, then hangs up."""

    def __init__(self, reply):
        self.reply = reply

    def connection_made(self, transport):
        transport.write(self.reply.encode() + b"\r\n")
        transport.close()


class Sink:
    def __init__(self, folder, refuse, defer, faults):
        self.folder = folder
        self.refuse = {a.lower() for a in refuse}
        self.defer = {a.lower() for a in defer}
        self.faults = faults
        self.count = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        reply = read_faults(self.faults).get("mail")
        if reply:
            if reply.startswith("421"):
                # Closed once the reply is written: the next loop turn.
                asyncio.get_running_loop().call_soon(server.transport.close)
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        if address.lower() in self.defer:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if read_faults(self.faults).get("hang_up_after_data"):
            server.transport.abort()
            # The lost connection cancels this handler; no answer goes out.
            await asyncio.get_running_loop().create_future()
        raw = envelope.original_content.decode("utf-8", "replace")
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "peer_port": session.peer[1],
            "headers": {k: str(v) for k, v in parsed.items()},
            "subject": str(parsed["subject"]),
            "body": body.get_content().replace("\r\n", "\n") if body is not None else "",
            "raw": raw,
        }
        name = os.path.join(self.folder, "%04d.json" % self.count)
        with open(name + ".tmp", "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.rename(name + ".tmp", name)
        return "250 Message accepted"


class Login:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--refuse", action="append", default=[])
    parser.add_argument("--defer", action="append", default=[])
    parser.add_argument("--user")
    parser.add_argument("--password", default="")
    parser.add_argument("--faults")
    args = parser.parse_args()
    sink = Sink(args.dir, args.refuse, args.defer, args.faults)
    options = {"enable_SMTPUTF8": True}
    if args.user:
        # Plain AUTH is what loopback tests want; aiosmtpd warns about it.
        warnings.simplefilter("ignore")
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        options.update(authenticator=Login(args.user, args.password), auth_required=True,
                       auth_require_tls=False)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def serve():
        greeting = read_faults(args.faults).get("greet")
        return Greeter(greeting) if greeting else SMTP(sink, **options)

    server = loop.run_until_complete(loop.create_server(serve, "127.0.0.1", 0))
    print("port %d" % server.sockets[0].getsockname()[1], flush=True)
    loop.add_reader(sys.stdin.fileno(), lambda: loop.stop() if not sys.stdin.read(1) else None)
    loop.run_forever()


if __name__ == "__main__":
    main()
