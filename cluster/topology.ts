// The topology file's parser lives in core/ so that `up`, `plan` and `dns serve` read a topology the same way.
export * from '../core/topology.js';
