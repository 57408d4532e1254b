"""Makes CPython's dump of its threads slow: 40 threads wait at the bottom of a deep recursion
through a function whose 500-character name is all non-ASCII (the dump writes such a name
one character per write(2), twice each), then the main thread waits forever for a lock inside
wait_for_config(). Run by tests/integration/tests_python.py."""
import threading
import time

NAME = "\u00e9" * 500
exec("def %s(depth, ready, forever):\n"
     "    if depth:\n"
     "        return %s(depth - 1, ready, forever)\n"
     "    ready.release()\n"
     "    forever.acquire()\n" % (NAME, NAME))
deep = globals()[NAME]
config_lock = threading.Lock()


def wait_for_config():
    config_lock.acquire()  # the main thread waits here


def main():
    ready, forever = threading.Semaphore(0), threading.Lock()
    forever.acquire()
    for _ in range(40):
        threading.Thread(target=deep, args=(150, ready, forever), daemon=True).start()
    for _ in range(40):
        ready.acquire()
    config_lock.acquire()
    print("ready", flush=True)
    wait_for_config()


main()
