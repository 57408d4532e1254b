"""The main thread waits forever, inside wait_for_config(), for a threading.Lock that another
thread holds while it sleeps. Run by tests/integration/tests_python.py."""
import threading
import time

config_lock = threading.Lock()


def hold_config_lock():
    config_lock.acquire()
    time.sleep(3600)  # the holder sleeps here


def wait_for_config():
    config_lock.acquire()  # the main thread waits here


def main():
    threading.Thread(target=hold_config_lock, name="holder", daemon=True).start()
    while not config_lock.locked():
        time.sleep(0.01)
    print("ready", flush=True)
    wait_for_config()


main()
