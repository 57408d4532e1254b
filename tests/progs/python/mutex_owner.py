"""Two threads and a pthread mutex taken through ctypes (the shim's pthread_mutex_lock, found in
the global scope): "holder" takes it in hold_the_mutex() and sleeps; the main thread blocks on
it in wait_for_the_mutex(). The report names the holder as the owner, with its own Python
stack. Run by tests/integration/tests_python.py."""
import ctypes
import threading
import time

libc = ctypes.CDLL(None)  # the global scope: LD_PRELOAD's definitions come first
mutex = ctypes.create_string_buffer(64)  # a zeroed pthread_mutex_t is a default mutex
taken = threading.Event()


def hold_the_mutex():
    libc.pthread_mutex_lock(mutex)
    taken.set()
    time.sleep(3600)  # the owner sleeps here


def wait_for_the_mutex():
    libc.pthread_mutex_lock(mutex)  # the main thread waits here


def main():
    threading.Thread(target=hold_the_mutex, name="holder", daemon=True).start()
    taken.wait()
    print("ready", flush=True)
    wait_for_the_mutex()


main()
