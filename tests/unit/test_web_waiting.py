"""Waiting for an app counts an answer cut off half-way (a server restarting) as no answer yet."""

import socket
import threading

from dockyard.web import wait_for_http, wait_for_text

CUT = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n12\r\nHello"  # 18 bytes promised, 5 sent
WHOLE = b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\nConnection: close\r\n\r\nHello from watch!"


def serve(answers: list[bytes]) -> str:
    """A server on 127.0.0.1 that gives each connection the next answer and closes it; its URL."""
    listener = socket.create_server(("127.0.0.1", 0))

    def run():
        for answer in answers:
            connection, _ = listener.accept()
            connection.recv(4096)
            connection.sendall(answer)
            connection.close()
        listener.close()

    threading.Thread(target=run, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_an_answer_cut_off_half_way_is_asked_again():
    url = serve([CUT, CUT, WHOLE])
    assert wait_for_text(lambda: url, "Hello from watch!", timeout=10).text == "Hello from watch!"


def test_waiting_for_an_app_to_listen_asks_again_after_a_cut_answer():
    url = serve([CUT, WHOLE])
    assert wait_for_http(url + "/", timeout=10).status_code == 200
