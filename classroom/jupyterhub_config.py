# The classroom's JupyterHub: one notebook server and one private Docker engine per learner.
#
#   DOCKYARD_CLASSROOM_PASSWORD=... DOCKYARD_CLASSROOM_LEARNERS=ada,grace \
#       classroom/.venv/bin/jupyterhub -f classroom/jupyterhub_config.py
#
# The hub runs on the host, in classroom/.venv, and drives the host's Docker engine; learners never
# reach that engine (see classroom/spawner.py and instructors/classroom.md). Settings come from the
# environment, so the smoke test (classroom/smoke.py) and a real class use this same file:
#
#   DOCKYARD_CLASSROOM_PASSWORD     the shared password learners log in with (8 characters or more)
#   DOCKYARD_CLASSROOM_LEARNERS     comma-separated user names allowed to log in (empty: anyone)
#   DOCKYARD_CLASSROOM_IP / _PORT   where the hub's public address listens (127.0.0.1:8000)
#   DOCKYARD_CLASSROOM_HUB_PORT     the hub's internal API port on the Docker bridge's gateway (8081)
#   DOCKYARD_CLASSROOM_PROXY_PORT   the proxy's API port on 127.0.0.1 (8001)
#   DOCKYARD_CLASSROOM_STATE        the hub's database, cookie secret and image cache (classroom/.state)
#   DOCKYARD_CLASSROOM_IMAGES       comma-separated course images for each learner's engine
#                                   (default: every image in dockyard/images.yaml)
#   DOCKYARD_CLASSROOM_ADMIN_TOKEN  an API token for a `classroom-admin` service with the admin role
#   DOCKYARD_CLASSROOM_MEM_LIMIT / _ENGINE_MEM_LIMIT   per learner: notebook server (1G), engine (2G)
import os
import sys
from pathlib import Path

import docker
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from spawner import ClassroomSpawner  # noqa: E402

c = get_config()  # noqa: F821 (JupyterHub defines it)
env = os.environ.get


def course_images() -> list[str]:
    listed = env("DOCKYARD_CLASSROOM_IMAGES")
    if listed is not None:
        return [name for name in listed.split(",") if name]
    manifest = yaml.safe_load((HERE.parent / "dockyard/images.yaml").read_text())
    return [entry["name"] for entry in manifest["images"]]


def bridge_gateway() -> str:
    """The host's address on Docker's default bridge: reachable from every container, not from outside."""
    client = docker.from_env()
    try:
        return client.networks.get("bridge").attrs["IPAM"]["Config"][0]["Gateway"]
    finally:
        client.close()


state = Path(env("DOCKYARD_CLASSROOM_STATE", str(HERE / ".state")))
state.mkdir(parents=True, exist_ok=True)

# The hub and its proxy.
public = f"{env('DOCKYARD_CLASSROOM_IP', '127.0.0.1')}:{env('DOCKYARD_CLASSROOM_PORT', '8000')}"
c.JupyterHub.bind_url = f"http://{public}"
c.JupyterHub.hub_bind_url = f"http://{bridge_gateway()}:{env('DOCKYARD_CLASSROOM_HUB_PORT', '8081')}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules/.bin/configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env('DOCKYARD_CLASSROOM_PROXY_PORT', '8001')}"
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server and engine

# Who may log in: one shared password, and the learners named.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = env("DOCKYARD_CLASSROOM_PASSWORD")
learners = {name for name in env("DOCKYARD_CLASSROOM_LEARNERS", "").split(",") if name}
if learners:
    c.Authenticator.allowed_users = learners
else:
    c.Authenticator.allow_all = True

token = env("DOCKYARD_CLASSROOM_ADMIN_TOKEN")
if token:
    c.JupyterHub.services = [{"name": "classroom-admin", "api_token": token}]
    c.JupyterHub.load_roles = [{"name": "admin", "services": ["classroom-admin"]}]

# Each learner: a notebook server and a private engine (classroom/spawner.py).
c.JupyterHub.spawner_class = ClassroomSpawner
c.ClassroomSpawner.image = "dockyard/classroom-learner:latest"
c.ClassroomSpawner.engine_image = "dockyard/classroom-engine:latest"
c.ClassroomSpawner.course_images = course_images()
c.ClassroomSpawner.image_cache = str(state / "images")
c.ClassroomSpawner.mem_limit = env("DOCKYARD_CLASSROOM_MEM_LIMIT", "1G")
c.ClassroomSpawner.engine_mem_limit = env("DOCKYARD_CLASSROOM_ENGINE_MEM_LIMIT", "2G")
c.ClassroomSpawner.notebook_dir = "/home/learner/dockyard"
c.ClassroomSpawner.default_url = "/lab/tree/chapters/01-why-containers.ipynb"
c.ClassroomSpawner.start_timeout = 300  # loading every course image into a new engine takes a while
c.ClassroomSpawner.http_timeout = 120
