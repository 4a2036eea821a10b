"""JupyterHub for a class: every student's server opens the nnwidgets playground in Voila.

On one machine (JupyterHub's default LocalProcessSpawner: one Unix account per student,
the hub run as root, nnwidgets[notebook,hub] installed in the Python that runs the hub,
which every student's account must be able to read, e.g. a venv in /opt/nnwidgets; and
configurable-http-proxy from npm on the PATH):

    jupyterhub -f deploy/jupyterhub_config.py

Choices, from the hub's environment:
    NNWIDGETS_HUB_LESSON  what a student sees at login: "playground" (the default) or a
                          lesson, e.g. "02_learning_rate" (a file in nnwidgets/lessons/)
    NNWIDGETS_MAX_SPEED   every dashboard's pace cap in steps/s (default 2000), so one
                          student's Play cannot take a whole core
Anything here can be overridden by a config that `load_subconfig`s this file and sets
its own values after it (tests/test_hub.py does so). For Kubernetes see z2jh-values.yaml.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (defined by JupyterHub when it loads this file)

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable  # runs the single-user servers too: same environment as the hub
LESSON = os.environ.get("NNWIDGETS_HUB_LESSON", "playground").strip() or "playground"
MAX_SPEED = os.environ.get("NNWIDGETS_MAX_SPEED", "2000")
KERNEL_CULL_AFTER = 300  # s: a kernel idle this long (its tab closed) is shut down
SERVER_CULL_AFTER = 1800  # s: a student's whole server idle this long is stopped
CULL_EVERY = 120  # s between the idle culler's checks
IOPUB_TIMEOUT = 30  # s, as nnwidgets serve (nnwidgets.classroom.options.IOPUB_TIMEOUT)
# JupyterLab extensions a student's page need not load, as nnwidgets serve's pages
# (nnwidgets.classroom.options.PAGE_NEEDS_NOT): the Notebook 7 menu for JupyterLab
PAGE_NEEDS_NOT = ["@jupyter-notebook/lab-extension"]
# Voila's page template, as nnwidgets serve's (nnwidgets.classroom.options.VOILA_TEMPLATE):
# Voila's lab page without the Font Awesome stylesheets from a CDN, which kept pages blank
# for over a minute behind a firewall that drops packets to the internet
VOILA_TEMPLATE = "nnwidgets"


def lesson_url(lesson: str) -> str:
    """The single-user server's default URL: the playground or one lesson, in Voila."""
    if lesson == "playground":
        return "/voila/render/playground.ipynb"
    name = lesson if lesson.endswith(".ipynb") else lesson + ".ipynb"
    try:  # refuse a typo at the hub's start rather than at every student's login
        from nnwidgets.lessons import lesson_files

        known = [f.name for f in lesson_files()]
    except ImportError:  # the hub may live in another environment than the servers
        known = [name]
    if name not in known:
        raise ValueError(f"NNWIDGETS_HUB_LESSON={lesson!r}: no such lesson; choose from {known}")
    return f"/voila/render/nnwidgets-lessons/{name}"


# --- Who may log in --------------------------------------------------------------------
# The default PAMAuthenticator checks the students' Unix accounts and passwords; here
# every member of the Unix group "students" may log in, and "teacher" is an admin (each
# needs a Unix account: `sudo groupadd students; sudo useradd -m -G students NAME`).
# For school accounts, replace it with an OAuth login (pip install oauthenticator), e.g.
#   c.JupyterHub.authenticator_class = "generic-oauth"   # or "github", "google", "azuread"
#   c.GenericOAuthenticator.client_id / client_secret / oauth_callback_url / ...
#   c.Authenticator.allowed_users = {...}  (or allowed_groups with manage_groups)
# and, with no Unix accounts, a spawner that needs none (DockerSpawner, or Kubernetes).
# LTI from a learning platform: ltiauthenticator. DummyAuthenticator (any name, any
# password) is for tests only: tests/test_hub.py chooses it, on 127.0.0.1.
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.allowed_groups = {"students"}
c.Authenticator.admin_users = {"teacher"}
# Serve students over HTTPS (c.JupyterHub.ssl_cert / ssl_key, or a reverse proxy).
c.JupyterHub.bind_url = "http://:8000"

# --- Each student's server: the playground (or a lesson) in Voila ----------------------
# The default LocalProcessSpawner runs it as the student. Its command first puts the
# lessons and playground.ipynb in the student's home (prepare_home.py, passed as text
# so that students need not be able to read this folder), then becomes the server.
c.Spawner.cmd = [
    PYTHON,
    "-c",
    (HERE / "prepare_home.py").read_text(),
    "--",
    PYTHON,
    "-m",
    "jupyterhub.singleuser",
]
c.Spawner.default_url = lesson_url(LESSON)
c.Spawner.environment = {"NNWIDGETS_MAX_SPEED": MAX_SPEED}
c.Spawner.args = [
    # A closed tab's kernel goes idle (play pauses 10 s after its page went silent) and
    # is shut down after KERNEL_CULL_AFTER; a tab still open keeps its kernel.
    f"--MappingKernelManager.cull_idle_timeout={KERNEL_CULL_AFTER}",
    "--MappingKernelManager.cull_interval=60",
    # Voila waits this long (not 4 s) for the playground cell's output, the dashboard,
    # which a server busy with a class logging in at once may take longer to send
    f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}",
    # and its pages load no JupyterLab extension a dashboard never uses (0.5 s sooner).
    # The server reads Voila's options for its extension, as text evaluated later: a
    # list must be written as a Python list (a bare name would come out as None)
    f"--VoilaConfiguration.extension_denylist={PAGE_NEEDS_NOT!r}",
    f"--VoilaConfiguration.template={VOILA_TEMPLATE}",
]
c.Spawner.start_timeout = 120  # a class logging in at once starts many kernels
c.Spawner.http_timeout = 120

# --- The idle culler: stops the servers of students who left --------------------------
c.JupyterHub.services = [
    {
        "name": "jupyterhub-idle-culler",
        "command": [
            PYTHON,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={SERVER_CULL_AFTER}",
            f"--cull-every={CULL_EVERY}",
        ],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "jupyterhub-idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["jupyterhub-idle-culler"],
    }
]
