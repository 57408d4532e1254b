"""Threads run Python code (recursion, allocation, short-lived threads) while a consumer
waits in queue.get() again and again, so that stallwatch dumps every thread's Python stack
many times while they run, start and exit. Prints what the work computed: the same with and
without stallwatch. Usage: dumped_while_running.py ROUNDS. Run by
tests/integration/tests_python.py."""
import queue
import sys
import threading
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def worker(index, rounds, results):
    total = 0
    for k in range(rounds):
        total += fib(12 + k % 6)
        box = []
        t = threading.Thread(target=lambda: box.append(sum(range(1000))))
        t.start()
        t.join()
        total += box[0]
    results[index] = total


def consume(jobs, n):
    for _ in range(n):
        jobs.get()  # the consumer waits here, a little each time


def main():
    rounds = int(sys.argv[1])
    jobs = queue.Queue()
    consumer = threading.Thread(target=consume, args=(jobs, rounds), name="consumer")
    consumer.start()
    results = [0] * 4
    workers = [threading.Thread(target=worker, args=(i, rounds, results)) for i in range(4)]
    for w in workers:
        w.start()
    for _ in range(rounds):
        time.sleep(0.03)
        jobs.put(None)
    for w in workers:
        w.join()
    consumer.join()
    print(sum(results))


main()
