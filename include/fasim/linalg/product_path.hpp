#pragma once
// How the passes over Y are computed: a process-wide choice of the linear-algebra backend, like the BLAS
// thread count. Panel is the fast path; Pdgemm is the PBLAS reference it is tested against.
namespace fasim::linalg {

enum class ProductPath { Panel, Pdgemm };

void set_product_path(ProductPath path);
ProductPath product_path();

} // namespace fasim::linalg
