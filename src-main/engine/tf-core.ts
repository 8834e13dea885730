/**
 * tf.js as the engine uses it: `@tensorflow/tfjs-core` with the cpu backend, its gradients and its chained tensor
 * methods (`x.add(y)`), and none of the umbrella's layers, converter, data or webgl (141 MB the app never runs).
 * Every module that registers a backend imports this first, so any process that runs an op has all three.
 */
// Core's declarations of the chained methods (augmentations of its Tensor interface); types only.
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
// The chain's last resort, and what the other backends' kernels are checked against in tests.
import '@tensorflow/tfjs-backend-cpu';
// Core's gradients and chained methods, which its Node entry leaves out (scripts/build-tf-core-extras.mjs).
import './tf-core-extras.cjs';
