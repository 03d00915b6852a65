"""A working morning in the demo province (Locust): clerks registering and reading the reception
queue, leaders reading what waits for them and assigning it, specialists handling their list
(opening a document, reporting progress), searches, the task tracking screen and the reports.
Run by scripts/loadtest.sh (`make loadtest`) against gunicorn on PostgreSQL over the generated
province; loopback only.

Each simulated person signs in once (argon2 is meant to be slow) and keeps the session, as a
morning does. People are spread over the demo accounts of the ~40 agencies on the installation
(`qlvb.agencies.demo_data`, password `qlvb-demo-2026`, loaded first by `qlvb generate`), so
caches per person see many people, not four; Văn phòng UBND tỉnh, the busiest agency, takes
every fourth person of each role.

Pacing: THINK="min,max" seconds between two clicks of one person (default 0.2,0.8). A real
morning reads for tens of seconds; the default is a morning compressed so that 200 people ask
~300 requests a second, the throughput the issue sets (docs/benchmarks.md, "Load test")."""

from __future__ import annotations

import itertools
import os
import random
import re

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

from qlvb.agencies.demo_data import DEMO_PASSWORD, demo_accounts

SEARCHES = ["chuyen doi so", "cải cách hành chính", "ngân sách", "dak lak", "phòng cháy"]
REPORTS = ["incoming-handling", "tasks", "yearly-volume", "exchange-summary"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BUSIEST = "vpubnd"
THINK = [float(x) for x in os.environ.get("THINK", "0.2,0.8").split(",")]


def _accounts(role: str):
    """Endless round of the role's demo user names, the busiest agency every fourth."""
    names = [a["username"] for a in demo_accounts() if a["role"] == role]
    busiest = [n for n in names if n.endswith("." + BUSIEST)]
    others = [n for n in names if n not in busiest]
    order = []
    for i, name in enumerate(others):
        if i % 3 == 0 and busiest:
            order.append(busiest[0])
        order.append(name)
    return itertools.cycle(order or busiest)


ACCOUNTS = {
    role: _accounts(role) for role in ("clerk", "leader", "specialist", "tracking", "admin")
}


ENVIRONMENT = []


@events.init.add_listener
def keep_environment(environment, **_kwargs):
    ENVIRONMENT.append(environment)


@events.spawning_complete.add_listener
def sign_ins(user_count: int, **_kwargs):
    """The sign-ins, printed before Locust resets its statistics for the steady morning."""
    stats = ENVIRONMENT[0].stats
    for entry in stats.entries.values():
        if entry.name.startswith("sign-in"):
            print(
                f"{entry.name}: {entry.num_requests} requests, {entry.num_failures} failures,"
                f" median {entry.median_response_time:.0f} ms,"
                f" p95 {entry.get_response_time_percentile(0.95):.0f} ms"
                f" ({user_count} people spawned)",
                flush=True,
            )


class Person(FastHttpUser):
    abstract = True
    role = ""
    wait_time = between(*THINK)

    def on_start(self):
        self.username = next(ACCOUNTS[self.role])
        self.suffix = self.username.split(".", 1)[1]
        page = self.client.get("/tai-khoan/dang-nhap/", name="sign-in page")
        token = CSRF.search(page.text or "")
        with self.client.post(
            "/tai-khoan/dang-nhap/",
            data={
                "username": self.username,
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.host + "/tai-khoan/dang-nhap/"},
            name="sign-in (argon2, once per person)",
            catch_response=True,
        ) as response:
            # Signed in, the client follows the redirect to the home page, whose forms carry
            # the token of the new session (sign-in rotates it).
            found = CSRF.search(response.text or "")
            if response.status_code != 200 or found is None:
                response.failure(f"sign-in of {self.username} failed")
                self.token = ""
            else:
                self.token = found.group(1)

    def person_id(self, username: str) -> int | None:
        found = self.client.get(f"/api/v1/people?q={username}", name="api people (once)")
        items = (found.json() or {}).get("items", []) if found.status_code == 200 else []
        return next((p["id"] for p in items if p["username"] == username), None)

    def headers(self) -> dict:
        return {"X-CSRFToken": self.token, "Referer": self.host + "/"}

    def open_one(self, state: str, name: str) -> int | None:
        """One document of the API's list in `state`, opened as its page; its id."""
        page = self.client.get(f"/api/v1/incoming?state={state}&limit=20", name=name)
        rows = (page.json() or {}).get("items", []) if page.status_code == 200 else []
        if not rows:
            return None
        pk = random.choice(rows)["id"]
        self.client.get(f"/van-ban-den/{pk}/", name="incoming document page")
        return pk

    def post_json(self, path: str, payload: dict, name: str):
        return self.client.post(path, json=payload, headers=self.headers(), name=name)


class Clerk(Person):
    weight = 2
    role = "clerk"

    @task(3)
    def reception(self):
        self.client.get("/van-ban-den/?box=reception", name="incoming list (clerk)")

    @task(2)
    def reception_api(self):
        self.client.get("/api/v1/incoming/reception?limit=20", name="api reception")

    @task(1)
    def register(self):
        n = random.randint(1, 10**9)
        self.client.post(
            "/api/v1/incoming",
            data={
                "type_name": "Công văn",
                "code_number": str(n),
                "code_notation": "STC-NS",
                "issued_date": "2026-11-30",
                "organ_name": "Sở Tài chính",
                "subject": f"Về việc đề nghị bổ sung kinh phí (tải thử {n})",
                "source": "paper",
            },
            headers=self.headers(),
            name="api register",
        )


class Leader(Person):
    weight = 2
    role = "leader"

    def on_start(self):
        super().on_start()
        self.specialist_id = self.person_id(f"chuyenvien.{self.suffix}")

    @task(3)
    def waiting(self):
        self.client.get("/van-ban-den/?box=waiting", name="incoming list (leader)")

    @task(2)
    def open_and_assign(self):
        pk = self.open_one("registered", "api waiting")
        if pk and self.specialist_id and random.random() < 0.5:
            with self.client.post(
                f"/api/v1/incoming/{pk}/direct",
                json={
                    "direction": "Đề nghị chuyên viên nghiên cứu, tham mưu.",
                    "assignments": [{"kind": "lead", "person_id": self.specialist_id}],
                },
                headers=self.headers(),
                name="api direct (assign)",
                catch_response=True,
            ) as response:
                if response.status_code == 409:
                    # Another leader of the agency directed it between our list and our click:
                    # the domain's right answer to a real race, counted on its own line, not as
                    # a failure (every other answer but 200 still is one).
                    response.request_meta["name"] = "api direct (409: directed by another leader)"
                    response.success()

    @task(1)
    def report(self):
        self.client.get(f"/bao-cao/{random.choice(REPORTS)}/", name="report page")


class Specialist(Person):
    weight = 5
    role = "specialist"

    def on_start(self):
        super().on_start()
        self.me = self.person_id(self.username)

    @task(4)
    def mine(self):
        self.client.get("/van-ban-den/?box=mine", name="incoming list (specialist)")

    @task(3)
    def handle(self):
        pk = self.open_one("assigned", "api mine")
        if pk is None:
            return
        detail = self.client.get(f"/api/v1/incoming/{pk}", name="api document")
        if detail.status_code != 200 or random.random() < 0.5:
            return
        for assignment in (detail.json() or {}).get("assignments", []):
            if assignment["state"] == "open" and assignment["person_id"] == self.me:
                self.post_json(
                    f"/api/v1/assignments/{assignment['id']}/progress",
                    {"note": "Đang tổng hợp ý kiến các phòng."},
                    name="api progress",
                )
                break

    @task(1)
    def search(self):
        self.client.get(f"/tim-kiem/?q={random.choice(SEARCHES)}", name="search")

    @task(1)
    def home(self):
        self.client.get("/", name="home")


class Tracker(Person):
    # The province office has one tracking officer (theodoi.vpubnd), not one person in ten.
    fixed_count = 2
    role = "tracking"

    @task(2)
    def tracking(self):
        self.client.get("/nhiem-vu/", name="task tracking")

    @task(1)
    def report(self):
        self.client.get(f"/bao-cao/{random.choice(REPORTS)}/", name="report page")
