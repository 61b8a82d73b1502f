// Whole pages for connection read buffers, kept apart from the malloc heap so that the
// memory of a buffer an idle connection gave back really leaves the process (madvise)
// instead of staying resident between live objects, as a free() in the heap would.
#pragma once

#include <cstddef>
#include <mutex>
#include <new>
#include <vector>

namespace sg::gateway {

class PagePool {
 public:
  static constexpr std::size_t kPage = 4096;

  static PagePool& instance();

  void* acquire();           // one page (contents undefined)
  void release(void* page);  // any thread
  std::size_t resident_free() const;

 private:
  // Free pages kept backed for the next connection; past this they go back to the kernel.
  static constexpr std::size_t kKeepResident = 64;
  static constexpr std::size_t kSlabPages = 64;  // pages mapped at once (never unmapped)

  mutable std::mutex mu_;
  std::vector<void*> resident_;  // free, still backed by memory: reused first
  std::vector<void*> returned_;  // free, given back to the kernel (refaulted on use)
};

// A Beast flat_buffer allocator: page-sized allocations come from the PagePool (the
// first read of a request asks for exactly one page), anything else from operator new.
template <class T>
struct PageAllocator {
  using value_type = T;
  PageAllocator() = default;
  template <class U>
  PageAllocator(const PageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n * sizeof(T) == PagePool::kPage) return static_cast<T*>(PagePool::instance().acquire());
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) == PagePool::kPage) return PagePool::instance().release(p);
    ::operator delete(p);
  }
  friend bool operator==(const PageAllocator&, const PageAllocator&) noexcept { return true; }
};

}  // namespace sg::gateway
