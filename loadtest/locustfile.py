"""A working morning at Văn phòng UBND tỉnh (Locust): clerks registering and reading the
reception queue, leaders reading and opening what waits for them, specialists handling their
list, searches, and the task tracking and reports. Run by scripts/loadtest.sh (`make loadtest`)
against gunicorn on PostgreSQL over the generated province; loopback only.

Accounts are the demo's (password `qlvb-demo-2026`), which `qlvb generate` loads first."""

from __future__ import annotations

import random
import re

from locust import HttpUser, between, task

PASSWORD = "qlvb-demo-2026"  # noqa: S105 (the public demo password, README)
SEARCHES = ["chuyen doi so", "cải cách hành chính", "ngân sách", "dak lak", "phòng cháy"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Person(HttpUser):
    abstract = True
    username = ""
    wait_time = between(1, 4)  # reading the page before the next click

    def on_start(self):
        page = self.client.get("/tai-khoan/dang-nhap/", name="login page")
        token = CSRF.search(page.text)
        self.client.post(
            "/tai-khoan/dang-nhap/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.host + "/tai-khoan/dang-nhap/"},
            name="login",
        )

    def csrf(self) -> dict:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": self.host}


class Clerk(Person):
    weight = 2
    username = "vanthu.vpubnd"

    @task(3)
    def reception(self):
        self.client.get("/van-ban-den/?box=reception", name="incoming list (clerk)")

    @task(2)
    def reception_api(self):
        self.client.get("/api/v1/incoming/reception", name="api reception")

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
            headers=self.csrf(),
            name="api register",
        )


class Leader(Person):
    weight = 2
    username = "lanhdao.vpubnd"

    @task(3)
    def waiting(self):
        self.client.get("/van-ban-den/?box=waiting", name="incoming list (leader)")

    @task(2)
    def open_one(self):
        page = self.client.get("/api/v1/incoming?box=waiting", name="api waiting")
        try:
            rows = page.json().get("items") or page.json().get("results") or []
        except ValueError:
            rows = []
        if rows:
            pk = random.choice(rows)["id"]
            self.client.get(f"/van-ban-den/{pk}/", name="incoming document page")

    @task(1)
    def tracking(self):
        self.client.get("/nhiem-vu/", name="task tracking")


class Specialist(Person):
    weight = 5
    username = "chuyenvien.vpubnd"

    @task(4)
    def mine(self):
        self.client.get("/van-ban-den/?box=mine", name="incoming list (specialist)")

    @task(2)
    def search(self):
        self.client.get(f"/tim-kiem/?q={random.choice(SEARCHES)}", name="search")

    @task(1)
    def home(self):
        self.client.get("/", name="home")


class Tracker(Person):
    weight = 1
    username = "theodoi.vpubnd"

    @task(3)
    def tracking(self):
        self.client.get("/nhiem-vu/", name="task tracking")

    @task(1)
    def report(self):
        self.client.get("/nhiem-vu/bao-cao/", name="task report xlsx")
