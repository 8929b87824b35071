"""The size race against the real engine: sizes and base shares read back, and read again on Refresh."""

import pytest
from image_support import BASE, build

import dockyard
from dockyard.stores import unpacked_size
from dockyard.widgets import SizeRace
from dockyard.widgets.sizes import ratios, weights


def blob(megabytes: int) -> str:
    return f"RUN head -c {megabytes}000000 /dev/urandom > /blob"


@pytest.fixture
def images(client, unique):
    big, small = f"dockyard/{unique}-big:1", f"dockyard/{unique}-small:1"
    build(unique, big, blob(6))
    build(unique, small, blob(1))
    yield big, small
    dockyard.cleanup(client, unique, images=True)


def test_weights_read_sizes_and_base_shares_from_the_engine(client, unique, images):
    big, small = images
    bars = weights(client, {big: BASE, small: None, f"dockyard/{unique}-never:1": BASE})
    assert [bar["image"] for bar in bars] == [big, small]  # the missing one is left out
    assert bars[0]["bytes"] == unpacked_size(client.images.get(big))
    assert bars[0]["base_bytes"] == unpacked_size(client.images.get(BASE)) and bars[1]["base_bytes"] == 0
    share = bars[1]["bytes"] / bars[0]["bytes"]
    assert ratios(bars)[0].startswith(f"{small} is {share:.0%} of {big}:\n  ")


def test_refresh_reads_a_rebuilt_image_again(client, unique, images):
    big, small = images
    race = SizeRace(client, {big: BASE, small: BASE, f"dockyard/{unique}-never:1": BASE})
    assert repr(race) == f"SizeRace({big}, {small}, dockyard/{unique}-never:1)"
    before = race.out.outputs[0]["text"].splitlines()
    assert before[2] == f"not on the engine (yet): dockyard/{unique}-never:1"
    assert race.chart.value.startswith('<img alt="Horizontal bar chart')
    build(unique, small, blob(9))  # the small one is now the larger
    race.on_refresh(race.refresh)  # the button's handler
    after = race.out.outputs[0]["text"].splitlines()
    ratio = unpacked_size(client.images.get(small)) / unpacked_size(client.images.get(big))
    assert ratio > 1 and after[0].startswith(f"{small} is {ratio:.0%} of {big}") and after != before
