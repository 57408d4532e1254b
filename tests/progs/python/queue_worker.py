"""A worker thread waits in queue.Queue.get() for jobs that never come, while the main thread
sleeps. Run by tests/integration/tests_python.py."""
import queue
import threading
import time

jobs = queue.Queue()


def consume():
    while True:
        job = jobs.get()  # the consumer waits here
        job()


def main():
    threading.Thread(target=consume, name="consumer", daemon=True).start()
    print("ready", flush=True)
    time.sleep(3600)  # the main thread sleeps here


main()
