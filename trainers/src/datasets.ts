// Data sets to try the trainer on, for `npm run data:fashion-mnist` (scripts/data-fashion-mnist.ts): Fashion-MNIST
// written out as class folders of images, the layout the trainer reads. Its own entry point so the script loads
// neither the agent (index.ts) nor TensorFlow.js (testing.ts).
export { exportFashionMnist, FMNIST_CLASSES } from './data/fashion-mnist.ts';
