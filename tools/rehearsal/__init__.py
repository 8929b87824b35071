"""A rehearsal of the whole course on a second engine for another CPU architecture (make test-arm64).

The second engine runs from the same binaries as the main one, in its own network namespace with its
own data root, exec root and socket, and runs foreign binaries through qemu-user-static and binfmt_misc.
Everything it sets up it takes down again, and it never touches the main engine.
"""
