"""The Taichi argument types of the kernels, named once: `<dtype>_<ndim>` ndarrays."""

import taichi as ti

i32_1 = ti.types.ndarray(dtype=ti.i32, ndim=1)
i32_2 = ti.types.ndarray(dtype=ti.i32, ndim=2)
f32_1 = ti.types.ndarray(dtype=ti.f32, ndim=1)
f32_2 = ti.types.ndarray(dtype=ti.f32, ndim=2)
f32_3 = ti.types.ndarray(dtype=ti.f32, ndim=3)
f64_1 = ti.types.ndarray(dtype=ti.f64, ndim=1)
f64_2 = ti.types.ndarray(dtype=ti.f64, ndim=2)
f64_3 = ti.types.ndarray(dtype=ti.f64, ndim=3)
vec3_f64 = ti.types.vector(3, ti.f64)
