// Runs an exported ONNX edge classifier with ONNX Runtime (onnxruntime-node, CPU), as an
// independent check of efgnn's export: node run.js MODEL.onnx DIR [RUNS] [THREADS]
// Inputs go by position, as the ACTS plugin passes them, whatever the model names them:
// DIR holds x.bin (float32 [N, F]), edge_index.bin (int64 [2, E]), optionally edge_attr.bin
// (float32 [E, Fe]) and shape.json ({"nodes", "node_features", "edges", "edge_features"});
// writes DIR/output.bin (float32 [E]) and prints {"ms": [...], "peak_mib": M} (one time per run
// after one warm-up run; what the process's peak resident size grew by from just before the
// session was created, i.e. the memory ONNX Runtime adds at its peak) on stdout.
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

async function main() {
  const [model, dir, runsArg, threadsArg] = process.argv.slice(2);
  const runs = parseInt(runsArg || '1', 10);
  const threads = parseInt(threadsArg || '1', 10);
  const shape = JSON.parse(fs.readFileSync(path.join(dir, 'shape.json')));
  const read = (name, Type) => {
    const b = fs.readFileSync(path.join(dir, name));
    return new Type(b.buffer, b.byteOffset, b.byteLength / Type.BYTES_PER_ELEMENT);
  };
  const inputs = [
    new ort.Tensor('float32', read('x.bin', Float32Array), [shape.nodes, shape.node_features]),
    new ort.Tensor('int64', read('edge_index.bin', BigInt64Array), [2, shape.edges]),
  ];
  if (shape.edge_features > 0)
    inputs.push(new ort.Tensor('float32', read('edge_attr.bin', Float32Array), [shape.edges, shape.edge_features]));
  const before = process.memoryUsage().rss;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
  });
  const feeds = {};
  session.inputNames.forEach((name, i) => { feeds[name] = inputs[i]; });
  let result = await session.run(feeds);  // warm-up
  const ms = [];
  for (let r = 0; r < runs; ++r) {
    const t0 = process.hrtime.bigint();
    result = await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const out = result[session.outputNames[0]].data;
  fs.writeFileSync(path.join(dir, 'output.bin'), Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  const peak_mib = Math.max(0, process.resourceUsage().maxRSS * 1024 - before) / (1024 * 1024);
  process.stdout.write(JSON.stringify({ms, peak_mib}) + '\n');
}

main().catch((e) => { process.stderr.write(String(e) + '\n'); process.exit(1); });
