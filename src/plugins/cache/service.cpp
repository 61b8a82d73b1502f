#include "service.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sg::cache {

namespace {

// Validates the (pointer, size) pairs every entry point receives.
Outcome check_key(const char* key, size_t key_size) {
  if (key == nullptr || key_size == 0)
    return Outcome::fail(SG_ERR_INVALID, "key must not be empty");
  return Outcome::success();
}

Outcome check_value(const char* value, size_t value_size, uint64_t ttl_ms) {
  if (value == nullptr && value_size > 0) {
    return Outcome::fail(SG_ERR_INVALID, "value pointer is NULL but value_size > 0");
  }
  if (ttl_ms > kMaxTtlMs) return Outcome::fail(SG_ERR_INVALID, "ttl_ms is larger than 100 years");
  return Outcome::success();
}

std::string_view view(const char* p, size_t n) {
  return p == nullptr ? std::string_view() : std::string_view(p, n);
}

CacheService& me(void* self) {
  return *static_cast<CacheService*>(self);
}

}  // namespace

CacheService::CacheService(Backend& backend, ServiceMetrics metrics)
    : backend_(backend), metrics_(metrics) {
  table_.struct_size = sizeof(sg_cache_service);
  table_.self = this;
  table_.get = &CacheService::get;
  table_.set = &CacheService::set;
  table_.set_if_absent = &CacheService::set_if_absent;
  table_.del = &CacheService::del;
  table_.incr = &CacheService::incr;
  table_.take = &CacheService::take;
  table_.get_many = &CacheService::get_many;
  table_.get_many_async = &CacheService::get_many_async;
}

void CacheService::count_found(const std::vector<std::optional<std::string>>& found) noexcept {
  uint64_t hits = 0;
  for (const auto& v : found) hits += v ? 1 : 0;
  const uint64_t misses = found.size() - hits;
  hits_.fetch_add(hits, std::memory_order_relaxed);
  misses_.fetch_add(misses, std::memory_order_relaxed);
  if (hits > 0) metrics_.hits.add(static_cast<double>(hits));
  if (misses > 0) metrics_.misses.add(static_cast<double>(misses));
}

sg_status CacheService::finish(const Outcome& outcome, sg_error* err, bool is_read) noexcept {
  switch (outcome.status) {
    case SG_OK:
      if (is_read) {
        hits_.fetch_add(1, std::memory_order_relaxed);
        metrics_.hits.add();
      }
      break;
    case SG_ERR_NOT_FOUND:
      if (is_read) {
        misses_.fetch_add(1, std::memory_order_relaxed);
        metrics_.misses.add();
      }
      break;
    case SG_ERR_EXISTS:
      break;  // an answer, not a failure
    default:
      errors_.fetch_add(1, std::memory_order_relaxed);
      metrics_.errors.add();
      break;
  }
  if (outcome.status != SG_OK) provider::fail(err, outcome.status, outcome.message);
  return outcome.status;
}

sg_status CacheService::get(void* self, const char* key, size_t key_size, sg_owned_str* out,
                            sg_error* err) noexcept {
  CacheService& s = me(self);
  try {
    if (out == nullptr) return s.finish(Outcome::fail(SG_ERR_INVALID, "out is NULL"), err, false);
    *out = sg_owned_str{};
    if (Outcome bad = check_key(key, key_size); !bad.ok()) return s.finish(bad, err, false);
    std::string value;
    Outcome r = s.backend_.get(view(key, key_size), value);
    if (r.ok() && !provider::give(value, out)) r = Outcome::fail(SG_ERR_INTERNAL, "out of memory");
    return s.finish(r, err, true);
  } catch (const std::exception& e) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, e.what()), err, false);
  } catch (...) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, "unknown exception"), err, false);
  }
}

sg_status CacheService::set(void* self, const char* key, size_t key_size, const char* value,
                            size_t value_size, uint64_t ttl_ms, sg_error* err) noexcept {
  CacheService& s = me(self);
  try {
    if (Outcome bad = check_key(key, key_size); !bad.ok()) return s.finish(bad, err, false);
    if (Outcome bad = check_value(value, value_size, ttl_ms); !bad.ok())
      return s.finish(bad, err, false);
    return s.finish(s.backend_.set(view(key, key_size), view(value, value_size), ttl_ms), err,
                    false);
  } catch (const std::exception& e) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, e.what()), err, false);
  } catch (...) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, "unknown exception"), err, false);
  }
}

sg_status CacheService::set_if_absent(void* self, const char* key, size_t key_size,
                                      const char* value, size_t value_size, uint64_t ttl_ms,
                                      sg_error* err) noexcept {
  CacheService& s = me(self);
  try {
    if (Outcome bad = check_key(key, key_size); !bad.ok()) return s.finish(bad, err, false);
    if (Outcome bad = check_value(value, value_size, ttl_ms); !bad.ok())
      return s.finish(bad, err, false);
    return s.finish(s.backend_.set_if_absent(view(key, key_size), view(value, value_size), ttl_ms),
                    err, false);
  } catch (const std::exception& e) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, e.what()), err, false);
  } catch (...) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, "unknown exception"), err, false);
  }
}

sg_status CacheService::del(void* self, const char* key, size_t key_size, int* out_removed,
                            sg_error* err) noexcept {
  CacheService& s = me(self);
  try {
    if (out_removed != nullptr) *out_removed = 0;
    if (Outcome bad = check_key(key, key_size); !bad.ok()) return s.finish(bad, err, false);
    bool removed = false;
    Outcome r = s.backend_.del(view(key, key_size), removed);
    if (r.ok() && out_removed != nullptr) *out_removed = removed ? 1 : 0;
    return s.finish(r, err, false);
  } catch (const std::exception& e) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, e.what()), err, false);
  } catch (...) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, "unknown exception"), err, false);
  }
}

sg_status CacheService::incr(void* self, const char* key, size_t key_size, int64_t delta,
                             uint64_t ttl_ms, int64_t* out_value, sg_error* err) noexcept {
  CacheService& s = me(self);
  try {
    if (out_value == nullptr)
      return s.finish(Outcome::fail(SG_ERR_INVALID, "out_value is NULL"), err, false);
    if (Outcome bad = check_key(key, key_size); !bad.ok()) return s.finish(bad, err, false);
    if (ttl_ms > kMaxTtlMs)
      return s.finish(Outcome::fail(SG_ERR_INVALID, "ttl_ms is larger than 100 years"), err, false);
    int64_t value = 0;
    Outcome r = s.backend_.incr(view(key, key_size), delta, ttl_ms, value);
    if (r.ok()) *out_value = value;
    return s.finish(r, err, false);
  } catch (const std::exception& e) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, e.what()), err, false);
  } catch (...) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, "unknown exception"), err, false);
  }
}

sg_status CacheService::take(void* self, const char* key, size_t key_size, sg_owned_str* out,
                             sg_error* err) noexcept {
  CacheService& s = me(self);
  try {
    if (out == nullptr) return s.finish(Outcome::fail(SG_ERR_INVALID, "out is NULL"), err, false);
    *out = sg_owned_str{};
    if (Outcome bad = check_key(key, key_size); !bad.ok()) return s.finish(bad, err, false);
    std::string value;
    Outcome r = s.backend_.take(view(key, key_size), value);
    if (r.ok() && !provider::give(value, out)) r = Outcome::fail(SG_ERR_INTERNAL, "out of memory");
    return s.finish(r, err, true);
  } catch (const std::exception& e) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, e.what()), err, false);
  } catch (...) {
    return s.finish(Outcome::fail(SG_ERR_INTERNAL, "unknown exception"), err, false);
  }
}

sg_status CacheService::get_many(void* self, const char* const* keys, const size_t* key_sizes,
                                 size_t count, sg_owned_str* values, sg_status* statuses,
                                 sg_error* err) noexcept {
  CacheService& s = me(self);
  // On any failure: no value filled, every status = the call's status. `cleared` says the
  // arrays are valid and values[] holds only what this call filled.
  bool cleared = false;
  auto fail_all = [&](const Outcome& r) {
    if (cleared) {
      for (size_t i = 0; i < count; ++i) {
        if (values[i].data != nullptr && values[i].release != nullptr)
          values[i].release(values[i].data);
        values[i] = sg_owned_str{};
        statuses[i] = r.status;
      }
    }
    return s.finish(r, err, false);
  };
  try {
    if (count == 0 || count > SG_CACHE_GET_MANY_MAX) {
      return s.finish(Outcome::fail(SG_ERR_INVALID,
                                    "count must be 1.." + std::to_string(SG_CACHE_GET_MANY_MAX)),
                      err, false);
    }
    if (keys == nullptr || key_sizes == nullptr || values == nullptr || statuses == nullptr) {
      return s.finish(
          Outcome::fail(SG_ERR_INVALID, "keys, key_sizes, values and statuses must not be NULL"),
          err, false);
    }
    for (size_t i = 0; i < count; ++i) values[i] = sg_owned_str{};
    cleared = true;
    std::vector<std::string_view> views;
    views.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      if (Outcome bad = check_key(keys[i], key_sizes[i]); !bad.ok()) {
        return fail_all(
            Outcome::fail(SG_ERR_INVALID, "key " + std::to_string(i) + ": " + bad.message));
      }
      views.push_back(view(keys[i], key_sizes[i]));
    }
    std::vector<std::optional<std::string>> found;
    Outcome r = s.backend_.get_many(views, found);
    if (r.ok() && found.size() != count)
      r = Outcome::fail(SG_ERR_INTERNAL, "backend returned the wrong number of values");
    if (!r.ok()) return fail_all(r);
    for (size_t i = 0; i < count; ++i) {
      if (found[i] && !provider::give(*found[i], &values[i]))
        return fail_all(Outcome::fail(SG_ERR_INTERNAL, "out of memory"));
      statuses[i] = found[i] ? SG_OK : SG_ERR_NOT_FOUND;
    }
    s.count_found(found);
    return SG_OK;
  } catch (const std::exception& e) {
    return fail_all(Outcome::fail(SG_ERR_INTERNAL, e.what()));
  } catch (...) {
    return fail_all(Outcome::fail(SG_ERR_INTERNAL, "unknown exception"));
  }
}

sg_status CacheService::get_many_async(void* self, const char* const* keys, const size_t* key_sizes,
                                       size_t count, ManyCallback done, void* user) noexcept {
  CacheService& s = me(self);
  // Without a callback nobody can be told anything: refuse, and that is all we can do.
  if (done == nullptr) return SG_ERR_INVALID;
  auto fail_now = [&](const Outcome& r) {
    sg_error err{};
    sg_status st = s.finish(r, &err, false);
    done(user, st, nullptr, nullptr, &err);
    return st == SG_ERR_INVALID ? st : SG_OK;
  };
  try {
    if (count == 0 || count > SG_CACHE_GET_MANY_MAX) {
      return fail_now(Outcome::fail(SG_ERR_INVALID,
                                    "count must be 1.." + std::to_string(SG_CACHE_GET_MANY_MAX)));
    }
    if (keys == nullptr || key_sizes == nullptr)
      return fail_now(Outcome::fail(SG_ERR_INVALID, "keys and key_sizes must not be NULL"));
    std::vector<std::string> copies;
    copies.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      if (Outcome bad = check_key(keys[i], key_sizes[i]); !bad.ok())
        return fail_now(
            Outcome::fail(SG_ERR_INVALID, "key " + std::to_string(i) + ": " + bad.message));
      copies.emplace_back(keys[i], key_sizes[i]);
    }
    s.backend_.get_many_async(
        std::move(copies),
        [&s, done, user, count](const Outcome& r, std::vector<std::optional<std::string>>& found) {
          Outcome outcome = r;
          if (outcome.ok() && found.size() != count)
            outcome = Outcome::fail(SG_ERR_INTERNAL, "backend returned the wrong number of values");
          if (!outcome.ok()) {
            sg_error err{};
            sg_status st = s.finish(outcome, &err, false);
            done(user, st, nullptr, nullptr, &err);
            return;
          }
          s.count_found(found);
          sg_cache_value values[SG_CACHE_GET_MANY_MAX];
          sg_status statuses[SG_CACHE_GET_MANY_MAX];
          for (size_t i = 0; i < count; ++i) {
            values[i] = found[i] ? sg_cache_value{found[i]->data(), found[i]->size()}
                                 : sg_cache_value{nullptr, 0};
            statuses[i] = found[i] ? SG_OK : SG_ERR_NOT_FOUND;
          }
          done(user, SG_OK, values, statuses, nullptr);
        });
    return SG_OK;
  } catch (const std::exception& e) {
    // Copies and backends throw only before a call is taken (allocation): `done` has not run.
    return fail_now(Outcome::fail(SG_ERR_INTERNAL, e.what()));
  } catch (...) {
    return fail_now(Outcome::fail(SG_ERR_INTERNAL, "unknown exception"));
  }
}

}  // namespace sg::cache
