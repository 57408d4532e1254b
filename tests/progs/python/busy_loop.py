"""A single-threaded script that spins in pure Python for a few seconds (no call that could
block), then prints how many turns it made and exits. Run by tests/integration/tests_python.py."""
import sys
import time


def spin(seconds):
    turns, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline: turns += 1  # spins here
    return turns


def main():
    turns = spin(float(sys.argv[1]))
    print("done" if turns > 0 else "no turn")


main()
