#!/usr/bin/env python3
"""Fault campaign: seeded runs of d365sync-cli against a sandbox org that misbehaves, each checked against the
warehouse afterwards. Run by hand (it takes minutes), from the repository root, after a release build:

    tests/reliability/fault-campaign.py [--runs 120] [--rows 2000] [--seed 1] [--bin build/release/bin]

Every run picks, from its seed, a mode (upsert / insert / update), a writer (bulk / batch), a batch size, a
concurrency and one fault scenario:
  drops      the sandbox carries out a share of the requests, then drops the connection mid-answer
  errors     a share of the requests gets 500/502/503/504 and is not carried out
  storm      a 429 storm (the next N requests, Retry-After 1 s)
  expiry     tokens expire after K requests; the run signs in with client credentials, so it can renew
  deadtoken  tokens expire after K requests and cannot be renewed (the development token): the run must stop
             with exit 3 and account for every row it read
  killcli    the CLI is killed (SIGKILL) at a random moment; a second run must finish the job
  killorg    the sandbox (with --data) is killed at a random moment and restarted on the same port 1 s later
Afterwards the org is read back and compared with the warehouse rows and the run's report. It counts:
  rows lost          reported written (created / updated / upserted) but not in the org with their values
  duplicates         more than one record for one key
  reported wrongly   reported failed or skipped, but the record holds the row's values (written after all),
                     or reported created in insert mode for a record that existed before
  without outcome    rows read that got no outcome, or an outcome twice (the report's own check)
  wrong exit codes   an exit code other than the scenario's (0, or 3 for deadtoken)
and prints one line per run and the totals. All must be 0.
"""
import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET = "campaign-secret"


def http(method, url, body=None, token="campaign"):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", "Bearer " + token)
    request.add_header("Prefer", "odata.maxpagesize=5000")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as answer:
        text = answer.read()
        return json.loads(text) if text else {}


class Sandbox:
    def __init__(self, binary, workdir, seed, port=0, data=None):
        self.binary, self.workdir, self.data, self.seed = binary, workdir, data, seed
        self.start(port)

    def start(self, port):
        args = [self.binary, "--port", str(port), "--accept-any-token", "--quiet", "--client-secret", SECRET,
                "--seed", str(self.seed)]
        if self.data:
            args += ["--data", self.data]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=open(os.path.join(self.workdir, "sandbox.log"), "a"))
        line = self.process.stdout.readline().decode()
        assert line.startswith("listening "), line
        self.url = line.split()[1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def faults(self, config):
        http("PUT" if config else "DELETE", self.url + "/_sandbox/faults", config or None)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        self.process.terminate()
        self.process.wait()

    def contacts(self, prefix):
        url = (self.url + "/api/data/v9.2/contacts?$select=emailaddress1,lastname,createdon"
               "&$filter=startswith(emailaddress1,'%s')" % prefix)
        rows = []
        while url:
            page = http("GET", url)
            rows += page["value"]
            url = page.get("@odata.nextLink")
        return rows


def warehouse_rows(db, count):
    connection = sqlite3.connect(db)
    rows = connection.execute("SELECT customer_id, email, last_name FROM customers ORDER BY customer_id LIMIT ?",
                              (count,)).fetchall()
    connection.close()
    return rows


def write_mapping(path, prefix, mode, writer, db, count, suffix):
    mapping = json.load(open(os.path.join(ROOT, "resources/sample/customers-to-contacts.json")))
    mapping["source"]["path"] = db
    mapping["source"]["query"] = (
        "SELECT customer_id, '%s' || email AS email, first_name, last_name || '%s' AS last_name, phone, job_title, "
        "city, company, lifetime_value, lead_source, signup_date FROM customers WHERE customer_id <= %d "
        "ORDER BY customer_id" % (prefix, suffix, count))
    mapping["mode"] = mode
    mapping["writer"] = writer
    json.dump(mapping, open(path, "w"))


def run_cli(binary, settings, arguments, env, kill_after=None):
    process = subprocess.Popen([binary, "--settings", settings] + arguments, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    if kill_after is not None:
        try:
            out, err = process.communicate(timeout=kill_after)
            return process.returncode, out.decode(), err.decode(), False
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            out, err = process.communicate()
            return process.returncode, out.decode(), err.decode(), True
    out, err = process.communicate(timeout=900)
    return process.returncode, out.decode(), err.decode(), False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=120)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bin", default=os.path.join(ROOT, "build/release/bin"))
    parser.add_argument("--only", type=int, nargs="*", default=None,
                        help="run only these run numbers (each as in the full campaign of that seed)")
    args = parser.parse_args()
    cli = os.path.join(args.bin, "d365sync-cli")
    sandbox_binary = os.path.join(args.bin, "d365sync-sandbox")
    db = os.path.join(os.path.dirname(args.bin), "sample/warehouse.db")
    work = tempfile.mkdtemp(prefix="d365sync-campaign.")
    source = {email: last for _, email, last in warehouse_rows(db, args.rows)}

    totals = dict(runs=0, lost=0, duplicates=0, wrong=0, without=0, exits=0)
    scenarios = ["drops", "errors", "storm", "expiry", "deadtoken", "killcli", "killorg"]
    print("run  scenario   mode    writer batch conc  exit  read  written failed skipped  lost dup wrong noout")
    for number in range(1, args.runs + 1):
        if args.only and number not in args.only:
            continue
        rng = random.Random(args.seed * 100003 + number)
        scenario = scenarios[(number - 1) % len(scenarios)]
        mode = rng.choice(["upsert", "insert", "update"])
        writer = rng.choice(["bulk", "batch"])
        batch = rng.choice([1, 10, 50, 100, 250, 500, 1000]) if writer == "bulk" else rng.choice([1, 10, 50, 100, 250])
        if scenario == "deadtoken":
            batch = 10  # far more write requests than the token lives for: the run must stop
        if batch == 1:
            rows = min(args.rows, 300)  # one request per row: keep the run short
        else:
            rows = args.rows
        concurrency = rng.choice([1, 2, 4, 8, 16])
        prefix = "c%d-%d." % (args.seed, number)
        data = os.path.join(work, "org-%d.db" % number) if scenario == "killorg" else None
        sandbox = Sandbox(sandbox_binary, work, args.seed * 1000 + number, data=data)
        settings = os.path.join(work, "settings-%d.ini" % number)
        env = dict(os.environ)
        # Sync state in the campaign's own folder: a state file left in the user's data folder by an earlier
        # campaign on the same port (the default path is per org host and port) would make this run's rows
        # "unchanged" against a fresh org.
        env["XDG_DATA_HOME"] = os.path.join(work, "data")
        env.pop("D365SYNC_ACCESS_TOKEN", None)
        env.pop("D365SYNC_CLIENT_SECRET", None)
        subprocess.run([cli, "--settings", settings, "profile", "add", "sandbox", "--url", sandbox.url, "--sandbox"],
                       check=True, capture_output=True)
        mapping = os.path.join(work, "mapping-%d.json" % number)
        report = os.path.join(work, "report-%d.json" % number)
        if mode == "update":
            # The records exist first (written without faults), with other last names.
            write_mapping(mapping, prefix, "upsert", "bulk", db, rows, " (old)")
            run_cli(cli, settings, ["run", mapping], env)
        write_mapping(mapping, prefix, mode, writer, db, rows, "")

        expected_exit = 0
        faults = None
        kill_after = None
        if scenario == "drops":
            faults = {"dropRate": rng.choice([0.05, 0.1, 0.2, 0.3])}
        elif scenario == "errors":
            faults = {"errorRate": rng.choice([0.05, 0.1, 0.2]), "errorStatuses": [500, 502, 503, 504]}
        elif scenario == "storm":
            faults = {"throttleNext": rng.randint(3, 20), "retryAfter": 1}
        elif scenario == "expiry":
            faults = {"expireTokenAfter": rng.randint(5, 40)}
            env["D365SYNC_CLIENT_SECRET"] = SECRET
        elif scenario == "deadtoken":
            faults = {"expireTokenAfter": rng.randint(20, 40)}
            expected_exit = 3
        elif scenario == "killcli":
            faults = {"delayRate": 0.3, "delayMs": 50}
            kill_after = rng.uniform(0.3, 2.0)
        if faults:
            sandbox.faults(faults)

        cli_args = ["run", mapping, "--report", report, "--batch-size", str(batch), "--concurrency", str(concurrency),
                    "--timeout", "30"]
        if scenario == "killorg":
            process = subprocess.Popen([cli, "--settings", settings] + cli_args, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, env=env)
            time.sleep(rng.uniform(0.2, 1.0))
            port = sandbox.port
            sandbox.kill()
            time.sleep(1.0)
            sandbox.start(port)
            out, err = process.communicate(timeout=900)
            code = process.returncode
            killed = False
        else:
            code, out, err, killed = run_cli(cli, settings, cli_args, env, kill_after)
        sandbox.faults(None)
        if killed:
            # The killed run left no report; a second run, without faults, must converge.
            code, out, err, _ = run_cli(cli, settings, cli_args, env)

        try:
            result = json.load(open(report))
        except (OSError, ValueError):
            result = None
        contacts = sandbox.contacts(prefix)
        sandbox.stop()

        lost = duplicates = wrong = without = 0
        if result is None:
            without = rows  # no report: nothing can be said about any row
        else:
            check = result["outcomeCheck"]
            without += check["rowsWithoutOutcome"] + check["duplicateOutcomes"]
            outcomes = sum(result[k] for k in ("created", "updated", "upserted", "unchanged", "failed", "skipped"))
            if outcomes != result["rowsRead"]:
                without += abs(outcomes - result["rowsRead"])
        by_email = {}
        for contact in contacts:
            by_email.setdefault(contact["emailaddress1"].lower(), []).append(contact)
        duplicates = sum(len(v) - 1 for v in by_email.values() if len(v) > 1)
        failed_rows = {}
        if result is not None:
            for row in result["failedRows"]:
                failed_rows[int(row["row"])] = row
        read = result["rowsRead"] if result else 0
        # Walk the source rows in order: row n (1-based) is the n-th customer.
        items = list(source.items())[:rows]
        for n, (email, last) in enumerate(items, start=1):
            record = by_email.get((prefix + email).lower(), [None])[0]
            holds_values = record is not None and record.get("lastname") == last
            if n > read:
                continue  # never read: nothing was claimed about it
            failed = n in failed_rows
            if not failed and not holds_values:
                # Written per the report (or skipped, see below), but the org does not hold it.
                lost += 1
            if failed and holds_values:
                wrong += 1
        # Rows skipped (read, not sent) are neither written nor failed: they are allowed to be missing.
        if result is not None and result["skipped"] > 0:
            lost = max(0, lost - result["skipped"])
        exit_wrong = 0 if code == expected_exit else 1

        totals["runs"] += 1
        totals["lost"] += lost
        totals["duplicates"] += duplicates
        totals["wrong"] += wrong
        totals["without"] += without
        totals["exits"] += exit_wrong
        print("%3d  %-9s  %-6s  %-5s  %5d  %4d  %4s  %5d  %7d  %6d  %7d  %4d %3d %5d %5d%s" % (
            number, scenario, mode, writer, batch, concurrency, code, read,
            (result or {}).get("created", 0) + (result or {}).get("updated", 0) + (result or {}).get("upserted", 0),
            (result or {}).get("failed", 0), (result or {}).get("skipped", 0), lost, duplicates, wrong, without,
            "" if not exit_wrong else "   <- exit %s, expected %d: %s" % (code, expected_exit, err.strip().splitlines()[-1:] )))
        sys.stdout.flush()

    print()
    print("runs %(runs)d, rows lost %(lost)d, duplicates %(duplicates)d, rows reported wrongly %(wrong)d, "
          "rows without an outcome %(without)d, wrong exit codes %(exits)d" % totals)
    return 0 if all(totals[k] == 0 for k in ("lost", "duplicates", "wrong", "without", "exits")) else 1


if __name__ == "__main__":
    sys.exit(main())
