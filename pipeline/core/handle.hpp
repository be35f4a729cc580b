// One owner type for every C library object: Handle<cairo_t, cairo_destroy> frees with the
// library's own function when it leaves scope, so no stage writes its own deleter struct.
#pragma once
#include <memory>

namespace tsuchi {

template <auto Free>
struct FreeWith {
  template <class T>
  void operator()(T* p) const {
    if (p) Free(p);
  }
};

template <class T, auto Free>
using Handle = std::unique_ptr<T, FreeWith<Free>>;

}  // namespace tsuchi
