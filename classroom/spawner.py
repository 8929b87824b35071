"""DockerSpawner with a private Docker engine per learner, for the classroom's JupyterHub.

For each learner the spawner creates, all labelled `dockyard.chapter=classroom`:

- a bridge network of their own, `dockyard-classroom-<name>`;
- a volume for their engine's data, `dockyard-classroom-<name>-engine`, and two the notebook server
  and the engine share at the same paths, `-home` (/home/learner, the course's files) and `-tmp`
  (/tmp, the chapters' scratch folders), so bind mounts the lessons ask for find their files;
- their engine, `dockyard-classroom-<name>-engine`: a privileged container from the
  `dockyard/classroom-engine` image (classroom/engine), on that network, listening on 127.0.0.1:2375
  inside its own network namespace, into which the course's images are loaded from the host's engine
  (docker save once, docker load into each engine; never a pull);
- their notebook server, `dockyard-classroom-<name>`, from the `dockyard/classroom-learner` image,
  which joins the engine's network namespace (as the containers of a Kubernetes pod share one), so
  `DOCKER_HOST=tcp://127.0.0.1:2375` reaches their engine and ports the lessons publish on 127.0.0.1
  answer there. No Docker socket of the host is mounted anywhere.

Stopping the server removes the notebook container, the engine, the three volumes and the network.
"""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import time
from pathlib import Path

from docker.errors import APIError, NotFound
from dockerspawner import DockerSpawner
from traitlets import Float, List, Unicode, default

LABEL = "dockyard.chapter"
CHAPTER = "classroom"
ENGINE_PORT = 2375
SERVER_PORT = 8888


class ClassroomSpawner(DockerSpawner):
    """One notebook server and one privileged Docker engine sidecar per learner."""

    engine_image = Unicode("dockyard/classroom-engine:latest", config=True,
                           help="The image of each learner's Docker engine (classroom/engine).")
    engine_mem_limit = Unicode("2G", config=True,
                               help="Memory limit of a learner's engine, their containers included.")
    engine_ready_timeout = Float(60, config=True, help="Seconds to wait for a learner's engine.")
    course_images = List(Unicode(), config=True,
                         help="Images copied from the host's engine into each learner's engine.")
    image_cache = Unicode(config=True,
                          help="Folder for the `docker save` archive of course_images, made once.")

    _save_lock = asyncio.Lock()

    # DockerSpawner's settings this design needs, as defaults (the config file may still override).
    @default("prefix")
    def _default_prefix(self):
        return "dockyard-classroom"

    @default("remove")
    def _default_remove(self):
        return True  # stopping a server removes its container; the engine goes with it

    @default("pull_policy")
    def _default_pull_policy(self):
        return "never"  # no registry: the images are built here (classroom/build_images.py)

    @default("use_internal_ip")
    def _default_use_internal_ip(self):
        return True  # the hub reaches the server on the learner's network; nothing is published

    @default("network_name")
    def _default_network_name(self):
        return self.network

    # Names, one per learner (escaped_name is DockerSpawner's DNS-safe form of the user name).
    @property
    def network(self) -> str:
        return f"dockyard-classroom-{self.escaped_name}"

    @property
    def engine(self) -> str:
        return f"dockyard-classroom-{self.escaped_name}-engine"

    @property
    def shared(self) -> dict[str, str]:
        """Volumes both containers mount at the same paths, so a bind mount the learner's notebook asks
        their engine for (the course's files, the chapters' scratch folders in /tmp) finds the same
        files there. Docker fills an empty volume from the learner image on first mount."""
        return {f"dockyard-classroom-{self.escaped_name}-home": "/home/learner",
                f"dockyard-classroom-{self.escaped_name}-tmp": "/tmp"}

    @property
    def labels(self) -> dict[str, str]:
        return {LABEL: CHAPTER, "dockyard.classroom.learner": self.user.name}

    def _spawner_defaults(self) -> None:
        self.extra_create_kwargs = {**self.extra_create_kwargs, "labels": self.labels}
        self.volumes = {volume: path for volume, path in self.shared.items()}
        # auto_remove off: a server that exits stays until stop() removes it, so poll() can log why.
        self.extra_host_config = {**self.extra_host_config, "network_mode": f"container:{self.engine}",
                                  "init": True, "auto_remove": False}

    def get_env(self) -> dict[str, str]:
        env = super().get_env()
        env["DOCKER_HOST"] = f"tcp://127.0.0.1:{ENGINE_PORT}"
        return env

    def docker(self, method, *args, **kwargs):
        # A container in another's network namespace may not expose ports of its own.
        if method == "create_container":
            kwargs.pop("ports", None)
        return super().docker(method, *args, **kwargs)

    async def start(self):
        self._spawner_defaults()
        started = time.monotonic()
        try:
            await self._start_engine()
            self.log.info("Engine of %s ready in %.1f s", self.user.name, time.monotonic() - started)
            await self._load_course_images()
            self.log.info("Engine of %s holds the course images after %.1f s", self.user.name,
                          time.monotonic() - started)
            result = await super().start()
        except Exception:
            self.log.exception("Spawning %s failed; removing their engine", self.user.name)
            await self._remove_engine()
            raise
        self.log.info("Server of %s started in %.1f s", self.user.name, time.monotonic() - started)
        return result

    async def stop(self, now=False):
        self._spawner_defaults()
        try:
            await super().stop(now=now)
        finally:
            await self._remove_engine()

    async def poll(self):
        status = await super().poll()
        if status is not None and self.object_id:
            try:
                logs = await self.docker("logs", self.object_id, tail=15)
                self.log.warning("Server of %s exited (%s); its last lines:\n%s", self.user.name, status,
                                 logs.decode(errors="replace"))
            except NotFound:
                pass
        return status

    async def get_ip_and_port(self):
        """The engine's address on the learner's network: the notebook server shares it."""
        engine = await self.docker("inspect_container", self.engine)
        return engine["NetworkSettings"]["Networks"][self.network]["IPAddress"], SERVER_PORT

    async def _start_engine(self) -> None:
        await self._remove_engine()  # whatever an interrupted spawn left
        await self.docker("create_network", self.network, driver="bridge", labels=self.labels)
        for volume in [self.engine, *self.shared]:
            await self.docker("create_volume", volume, labels=self.labels)
        host_config = self.client.create_host_config(
            privileged=True,
            cgroupns="private",  # the engine's containers nest under its cgroup, inside its limit
            network_mode=self.network,
            binds={self.engine: {"bind": "/var/lib/docker", "mode": "rw"},
                   **{volume: {"bind": path, "mode": "rw"} for volume, path in self.shared.items()}},
            mem_limit=self.engine_mem_limit or None,
        )
        await self.docker("create_container", self.engine_image, name=self.engine, labels=self.labels,
                          host_config=host_config,
                          networking_config=self.client.create_networking_config(
                              {self.network: self.client.create_endpoint_config()}))
        await self.docker("start", self.engine)
        deadline = time.monotonic() + self.engine_ready_timeout
        while time.monotonic() < deadline:
            state = (await self.docker("inspect_container", self.engine))["State"]
            if state.get("Health", {}).get("Status") == "healthy":
                return
            if not state["Running"]:
                logs = (await self.docker("logs", self.engine, tail=20)).decode(errors="replace")
                raise RuntimeError(f"the engine of {self.user.name} stopped:\n{logs}")
            await asyncio.sleep(0.5)
        raise TimeoutError(f"the engine of {self.user.name} did not answer in {self.engine_ready_timeout} s")

    async def _load_course_images(self) -> None:
        if not self.course_images:
            return
        archive = await self._saved_images()
        with archive.open("rb") as stream:
            loading = await asyncio.create_subprocess_exec(
                "docker", "exec", "-i", self.engine, "docker", "load", "--quiet",
                stdin=stream, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            output, _ = await loading.communicate()
        if loading.returncode:
            raise RuntimeError(f"loading the course images failed: {output.decode(errors='replace')}")

    async def _saved_images(self) -> Path:
        """One `docker save` of the course images, named after their IDs, shared by every spawn."""
        ids = [(await self.docker("inspect_image", name))["Id"] for name in self.course_images]
        key = hashlib.sha256(" ".join(self.course_images + ids).encode()).hexdigest()[:16]
        folder = Path(self.image_cache)
        archive = folder / f"course-images-{key}.tar"
        async with self._save_lock:
            if not archive.exists():
                folder.mkdir(parents=True, exist_ok=True)
                for old in folder.glob("course-images-*.tar"):
                    old.unlink()
                partial = archive.with_suffix(".partial")
                started = time.monotonic()
                saving = await asyncio.create_subprocess_exec(
                    "docker", "save", "-o", str(partial), *self.course_images, stderr=subprocess.PIPE)
                _, errors = await saving.communicate()
                if saving.returncode:
                    raise RuntimeError(f"docker save failed: {errors.decode(errors='replace')}")
                partial.rename(archive)
                self.log.info("Saved %s in %.1f s", ", ".join(self.course_images), time.monotonic() - started)
        return archive

    async def _remove_engine(self) -> None:
        """Remove the engine, its volumes and the learner's network, whichever exist.

        The learner's files go too: a class that keeps work between sessions keeps the -home volume
        (leave it out here) or has learners push their work elsewhere."""
        for method, name, kwargs in (("remove_container", self.engine, {"force": True, "v": True}),
                                     *(("remove_volume", volume, {"force": True})
                                       for volume in [self.engine, *self.shared]),
                                     ("remove_network", self.network, {})):
            for _ in range(60):
                try:
                    await self.docker(method, name, **kwargs)
                except NotFound:
                    break
                except APIError as error:
                    if error.status_code != 409:  # 409: a removal in progress, or still in use
                        raise
                    await asyncio.sleep(0.5)
                    continue
                break
            else:
                self.log.warning("Could not remove %s of %s; it is still in use", name, self.user.name)
