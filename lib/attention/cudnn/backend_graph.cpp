#include "attention/cudnn/backend_graph.h"

#include <algorithm>
#include <string>

#include "common/error.h"

namespace longnet::attention::cudnn_backend {

void throw_status(cudnnStatus_t status, const char* what) {
  char detail[1024] = "";
  cudnnGetLastErrorString(detail, sizeof detail);
  fail<RuntimeError>("cuDNN attention: {} failed: {}{}{}", what, cudnnGetErrorString(status),
                     detail[0] ? ": " : "", detail);
}

void check(cudnnStatus_t status, const char* what) {
  if (status != CUDNN_STATUS_SUCCESS) throw_status(status, what);
}

Descriptor::Descriptor(cudnnBackendDescriptorType_t type) {
  check(cudnnBackendCreateDescriptor(type, &desc_), "creating a backend descriptor");
}

Descriptor::~Descriptor() { cudnnBackendDestroyDescriptor(desc_); }

void Descriptor::set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type,
                     int64_t count, const void* values) {
  const cudnnStatus_t status = cudnnBackendSetAttribute(desc_, name, type, count, values);
  if (status != CUDNN_STATUS_SUCCESS)
    throw_status(status, ("setting backend attribute " + std::to_string(name)).c_str());
}

void Descriptor::set(cudnnBackendAttributeName_t name, cudnnBackendDescriptor_t value) {
  set(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &value);
}

void Descriptor::finalize(const char* what) { check(cudnnBackendFinalize(desc_), what); }

Dims packed_strides(const Dims& dims) {
  Dims strides(dims.size());
  int64_t stride = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= dims[i];
  }
  return strides;
}

Descriptor& GraphBuilder::own(cudnnBackendDescriptorType_t type) {
  owned_.push_back(std::make_unique<Descriptor>(type));
  return *owned_.back();
}

Tensor GraphBuilder::make_tensor(int64_t uid, cudnnDataType_t type, const Dims& dims,
                                 const Dims& strides, bool is_virtual, bool by_value) {
  Descriptor& t = own(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  const int64_t alignment = 16;
  t.set(CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &type);
  t.set(CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, static_cast<int64_t>(dims.size()), dims.data());
  t.set(CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, static_cast<int64_t>(strides.size()), strides.data());
  t.set(CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid);
  t.set(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &alignment);
  t.set(CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, 1, &is_virtual);
  if (by_value) t.set(CUDNN_ATTR_TENSOR_IS_BY_VALUE, CUDNN_TYPE_BOOLEAN, 1, &by_value);
  t.finalize("finalizing a tensor descriptor");
  return {t.get(), dims, strides};
}

Tensor GraphBuilder::tensor(int64_t uid, cudnnDataType_t type, const Dims& dims, const Dims& strides) {
  return make_tensor(uid, type, dims, strides, false, false);
}

Tensor GraphBuilder::scalar(int64_t uid) {
  return make_tensor(uid, CUDNN_DATA_FLOAT, {1, 1, 1, 1}, {1, 1, 1, 1}, false, true);
}

Tensor GraphBuilder::intermediate(const Dims& dims, cudnnDataType_t type) {
  return intermediate(dims, packed_strides(dims), type);
}

Tensor GraphBuilder::intermediate(const Dims& dims, const Dims& strides, cudnnDataType_t type) {
  return make_tensor(next_intermediate_uid_++, type, dims, strides, true, false);
}

Tensor GraphBuilder::pointwise(cudnnPointwiseMode_t mode, std::initializer_list<Tensor> inputs,
                               Tensor out, PointwiseOptions options) {
  Descriptor& pw = own(CUDNN_BACKEND_POINTWISE_DESCRIPTOR);
  pw.set(CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, 1, &mode);
  pw.set(CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, 1, &options.compute);
  if (options.axis >= 0) pw.set(CUDNN_ATTR_POINTWISE_AXIS, CUDNN_TYPE_INT64, 1, &options.axis);
  pw.finalize("finalizing a pointwise descriptor");

  Descriptor& op = own(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR);
  op.set(CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, pw.get());
  const cudnnBackendAttributeName_t ports[] = {CUDNN_ATTR_OPERATION_POINTWISE_XDESC,
                                               CUDNN_ATTR_OPERATION_POINTWISE_BDESC,
                                               CUDNN_ATTR_OPERATION_POINTWISE_TDESC};
  int port = 0;
  for (const Tensor& in : inputs) op.set(ports[port++], in.desc);
  op.set(CUDNN_ATTR_OPERATION_POINTWISE_YDESC, out.desc);
  op.finalize("finalizing a pointwise operation");
  operations_.push_back(op.get());
  return out;
}

Tensor GraphBuilder::reduction(cudnnReduceTensorOp_t reduce, const Tensor& x, Tensor out) {
  Descriptor& red = own(CUDNN_BACKEND_REDUCTION_DESCRIPTOR);
  const cudnnDataType_t compute = CUDNN_DATA_FLOAT;
  red.set(CUDNN_ATTR_REDUCTION_OPERATOR, CUDNN_TYPE_REDUCTION_OPERATOR_TYPE, 1, &reduce);
  red.set(CUDNN_ATTR_REDUCTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &compute);
  red.finalize("finalizing a reduction descriptor");

  Descriptor& op = own(CUDNN_BACKEND_OPERATION_REDUCTION_DESCRIPTOR);
  op.set(CUDNN_ATTR_OPERATION_REDUCTION_XDESC, x.desc);
  op.set(CUDNN_ATTR_OPERATION_REDUCTION_YDESC, out.desc);
  op.set(CUDNN_ATTR_OPERATION_REDUCTION_DESC, red.get());
  op.finalize("finalizing a reduction operation");
  operations_.push_back(op.get());
  return out;
}

Tensor GraphBuilder::matmul(const Tensor& a, const Tensor& b, Tensor c, MatmulOverrides overrides) {
  Descriptor& mm = own(CUDNN_BACKEND_MATMUL_DESCRIPTOR);
  const cudnnDataType_t compute = CUDNN_DATA_FLOAT;
  mm.set(CUDNN_ATTR_MATMUL_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &compute);
  mm.finalize("finalizing a matmul descriptor");

  Descriptor& op = own(CUDNN_BACKEND_OPERATION_MATMUL_DESCRIPTOR);
  op.set(CUDNN_ATTR_OPERATION_MATMUL_ADESC, a.desc);
  op.set(CUDNN_ATTR_OPERATION_MATMUL_BDESC, b.desc);
  op.set(CUDNN_ATTR_OPERATION_MATMUL_CDESC, c.desc);
  op.set(CUDNN_ATTR_OPERATION_MATMUL_DESC, mm.get());
  if (overrides.m) op.set(CUDNN_ATTR_OPERATION_MATMUL_GEMM_M_OVERRIDE_DESC, overrides.m->desc);
  if (overrides.n) op.set(CUDNN_ATTR_OPERATION_MATMUL_GEMM_N_OVERRIDE_DESC, overrides.n->desc);
  if (overrides.k) op.set(CUDNN_ATTR_OPERATION_MATMUL_GEMM_K_OVERRIDE_DESC, overrides.k->desc);
  op.finalize("finalizing a matmul operation");
  operations_.push_back(op.get());
  return c;
}

Tensor GraphBuilder::reshape(const Tensor& x, Tensor out) {
  Descriptor& op = own(CUDNN_BACKEND_OPERATION_RESHAPE_DESCRIPTOR);
  op.set(CUDNN_ATTR_OPERATION_RESHAPE_XDESC, x.desc);
  op.set(CUDNN_ATTR_OPERATION_RESHAPE_YDESC, out.desc);
  op.finalize("finalizing a reshape operation");
  operations_.push_back(op.get());
  return out;
}

namespace {

// Whether cuDNN notes the engine of an engine configuration as non-deterministic (atomics).
bool nondeterministic(cudnnBackendDescriptor_t config) {
  Descriptor engine(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
  cudnnBackendDescriptor_t engine_desc = engine.get();
  int64_t count = 0;
  check(cudnnBackendGetAttribute(config, CUDNN_ATTR_ENGINECFG_ENGINE,
                                 CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &count, &engine_desc),
        "reading an engine configuration's engine");
  cudnnBackendNumericalNote_t notes[CUDNN_NUMERICAL_NOTE_TYPE_COUNT];
  check(cudnnBackendGetAttribute(engine_desc, CUDNN_ATTR_ENGINE_NUMERICAL_NOTE,
                                 CUDNN_TYPE_NUMERICAL_NOTE, CUDNN_NUMERICAL_NOTE_TYPE_COUNT, &count,
                                 notes),
        "reading an engine's numerical notes");
  return std::find(notes, notes + count, CUDNN_NUMERICAL_NOTE_NONDETERMINISTIC) != notes + count;
}

}  // namespace

Plan GraphBuilder::build(cudnnHandle_t handle, const char* name, bool deterministic) {
  const std::string prefix = std::string(name) + ": ";
  Descriptor& graph = own(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  graph.set(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR,
            static_cast<int64_t>(operations_.size()), operations_.data());
  graph.set(CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1, &handle);
  graph.finalize((prefix + "finalizing the operation graph").c_str());

  Descriptor& heuristics = own(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
  const cudnnBackendHeurMode_t mode = CUDNN_HEUR_MODE_A;
  heuristics.set(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, graph.get());
  heuristics.set(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &mode);
  heuristics.finalize((prefix + "finalizing the engine heuristics").c_str());

  int64_t count = 0;
  check(cudnnBackendGetAttribute(heuristics.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                 CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count, nullptr),
        (prefix + "counting engine configurations").c_str());
  std::vector<cudnnBackendDescriptor_t> configs;
  for (int64_t i = 0; i < count; ++i) configs.push_back(own(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR).get());
  check(cudnnBackendGetAttribute(heuristics.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                 CUDNN_TYPE_BACKEND_DESCRIPTOR, count, &count, configs.data()),
        (prefix + "reading engine configurations").c_str());

  // The first configuration that finalizes wins; the last refusal explains a total failure.
  cudnnStatus_t last = CUDNN_STATUS_NOT_SUPPORTED;
  for (int64_t i = 0; i < count; ++i) {
    if (deterministic && nondeterministic(configs[i])) continue;
    auto plan = std::make_unique<Descriptor>(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
    plan->set(CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1, &handle);
    plan->set(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, configs[i]);
    last = cudnnBackendFinalize(plan->get());
    if (last != CUDNN_STATUS_SUCCESS) continue;
    Plan result;
    int64_t returned = 0;
    check(cudnnBackendGetAttribute(plan->get(), CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
                                   CUDNN_TYPE_INT64, 1, &returned, &result.workspace_bytes_),
          (prefix + "reading the workspace size").c_str());
    result.plan_ = plan->get();
    owned_.push_back(std::move(plan));
    result.owned_ = std::move(owned_);
    return result;
  }
  throw_status(last, (prefix + "building an execution plan from " + std::to_string(count) +
                      (deterministic ? " engine configurations (deterministic ones only)"
                                     : " engine configurations"))
                         .c_str());
}

void Plan::execute(cudnnHandle_t handle, const std::vector<int64_t>& uids,
                   const std::vector<void*>& pointers, void* workspace) const {
  Descriptor pack(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
  pack.set(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, static_cast<int64_t>(uids.size()),
           uids.data());
  pack.set(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR,
           static_cast<int64_t>(pointers.size()), pointers.data());
  pack.set(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &workspace);
  pack.finalize("finalizing the variant pack");
  check(cudnnBackendExecute(handle, plan_, pack.get()), "executing the plan");
}

}  // namespace longnet::attention::cudnn_backend
