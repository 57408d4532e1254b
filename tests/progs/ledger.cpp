// A C++ program for demangled names and inlined frames: inventory::Ledger::settle() takes a
// std::mutex through std::lock_guard (both inlined from libstdc++'s headers) while another
// thread holds it forever. Prints "holding" once the mutex is held.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

namespace inventory {

class Ledger {
  public:
    void hold_forever()
    {
        std::lock_guard<std::mutex> guard(mutex_);
        std::puts("holding");
        std::fflush(stdout);
        for (;;)
            std::this_thread::sleep_for(std::chrono::seconds(100));
    }

    __attribute__((noinline)) void settle(int account)
    {
        std::lock_guard<std::mutex> guard(mutex_); // stalls here
        balance_ += account;
    }

  private:
    std::mutex mutex_;
    long balance_ = 0;
};

} // namespace inventory

int main()
{
    static inventory::Ledger ledger;
    std::thread holder([] { ledger.hold_forever(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::thread settler([] { ledger.settle(42); });
    holder.join();
    settler.join();
}
