#include "page_pool.hpp"

#include <sys/mman.h>

namespace sg::gateway {

PagePool& PagePool::instance() {
  static PagePool* pool = new PagePool();  // never destroyed: sessions may outlive statics
  return *pool;
}

void* PagePool::acquire() {
  std::lock_guard lock(mu_);
  if (!resident_.empty()) {
    void* p = resident_.back();
    resident_.pop_back();
    return p;
  }
  if (returned_.empty()) {
    void* slab = ::mmap(nullptr, kSlabPages * kPage, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (slab == MAP_FAILED) throw std::bad_alloc();
    returned_.reserve(returned_.size() + kSlabPages);
    for (std::size_t i = kSlabPages; i-- > 0;)
      returned_.push_back(static_cast<char*>(slab) + i * kPage);
  }
  void* p = returned_.back();
  returned_.pop_back();
  return p;
}

void PagePool::release(void* page) {
  std::lock_guard lock(mu_);
  if (resident_.size() < kKeepResident) {
    resident_.push_back(page);
    return;
  }
  ::madvise(page, kPage, MADV_DONTNEED);
  returned_.push_back(page);
}

std::size_t PagePool::resident_free() const {
  std::lock_guard lock(mu_);
  return resident_.size();
}

}  // namespace sg::gateway
