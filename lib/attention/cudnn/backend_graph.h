#pragma once
// A small owner of cuDNN backend descriptors: tensors, pointwise / reduction / matmul / reshape
// operations, the operation graph, and the execution plan the heuristics pick for it. Only the
// cuDNN files of this folder include it.
#include <cudnn_graph.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

namespace longnet::attention::cudnn_backend {

// Throws RuntimeError naming `what`, cuDNN's status string and its last error message.
[[noreturn]] void throw_status(cudnnStatus_t status, const char* what);
// throw_status unless the status is success.
void check(cudnnStatus_t status, const char* what);

class Descriptor {
 public:
  explicit Descriptor(cudnnBackendDescriptorType_t type);
  ~Descriptor();
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;

  cudnnBackendDescriptor_t get() const { return desc_; }
  void set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, int64_t count,
           const void* values);
  void set(cudnnBackendAttributeName_t name, cudnnBackendDescriptor_t value);
  void finalize(const char* what);

 private:
  cudnnBackendDescriptor_t desc_ = nullptr;
};

using Dims = std::vector<int64_t>;

// Row-major strides of dims (last dimension contiguous).
Dims packed_strides(const Dims& dims);

struct Tensor {
  cudnnBackendDescriptor_t desc;
  Dims dims, strides;
};

// A finalized execution plan and everything it refers to.
class Plan {
 public:
  int64_t workspace_bytes() const { return workspace_bytes_; }
  // Runs the plan on the handle's stream; pointers[i] is the data of tensor uids[i] (host memory
  // holding the value for by-value scalars).
  void execute(cudnnHandle_t handle, const std::vector<int64_t>& uids,
               const std::vector<void*>& pointers, void* workspace) const;

 private:
  friend class GraphBuilder;
  std::vector<std::unique_ptr<Descriptor>> owned_;
  cudnnBackendDescriptor_t plan_ = nullptr;
  int64_t workspace_bytes_ = 0;
};

struct PointwiseOptions {
  cudnnDataType_t compute = CUDNN_DATA_FLOAT;
  int64_t axis = -1;  // GEN_INDEX only
};

// Optional per-batch sizes of a matmul's M, N, K (int32 [batch, 1, 1, 1] tensors).
struct MatmulOverrides {
  const Tensor* m = nullptr;
  const Tensor* n = nullptr;
  const Tensor* k = nullptr;
};

class GraphBuilder {
 public:
  // A tensor the caller passes at execution under `uid` (16-byte aligned).
  Tensor tensor(int64_t uid, cudnnDataType_t type, const Dims& dims, const Dims& strides);
  // An fp32 scalar passed by value (a host pointer in the variant pack).
  Tensor scalar(int64_t uid);
  // An intermediate that exists only inside the fused kernel; packed unless strides are given.
  Tensor intermediate(const Dims& dims, cudnnDataType_t type = CUDNN_DATA_FLOAT);
  Tensor intermediate(const Dims& dims, const Dims& strides, cudnnDataType_t type);

  // Each operation writes `out` and returns it. Pointwise inputs are x, then b, then t (the
  // condition of BINARY_SELECT, which gives t ? x : b).
  Tensor pointwise(cudnnPointwiseMode_t mode, std::initializer_list<Tensor> inputs, Tensor out,
                   PointwiseOptions options = {});
  Tensor reduction(cudnnReduceTensorOp_t op, const Tensor& x, Tensor out);
  Tensor matmul(const Tensor& a, const Tensor& b, Tensor c, MatmulOverrides overrides = {});
  Tensor reshape(const Tensor& x, Tensor out);

  // The operation graph of everything added so far, and the first engine configuration the
  // heuristics (mode A) rank that finalizes into a plan; with `deterministic`, the first whose
  // engine lacks CUDNN_NUMERICAL_NOTE_NONDETERMINISTIC. `name` goes into error messages.
  Plan build(cudnnHandle_t handle, const char* name, bool deterministic = false);

 private:
  Tensor make_tensor(int64_t uid, cudnnDataType_t type, const Dims& dims, const Dims& strides,
                     bool is_virtual, bool by_value);
  Descriptor& own(cudnnBackendDescriptorType_t type);

  std::vector<std::unique_ptr<Descriptor>> owned_;
  std::vector<cudnnBackendDescriptor_t> operations_;
  int64_t next_intermediate_uid_ = 1 << 20;
};

}  // namespace longnet::attention::cudnn_backend
