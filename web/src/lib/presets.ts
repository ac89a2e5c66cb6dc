/**
 * Launch presets: named trainer configs merged over the schema's defaults. The first is the classic
 * Keras example (VGG16 on ImageNet weights, cats vs dogs, frozen base + Dense head) and is what the
 * launch form starts from, so a fresh install can launch something that exists: named data sets and
 * "imagenet" weights are fetched by the agent.
 */
export interface Preset {
  id: string;
  label: string;
  description: string;
  config: Record<string, unknown>;
}

const KERAS_EXAMPLE = {
  data: 'cats_vs_dogs',
  weights: 'imagenet',
  size: 150,
  batch: 20,
  lr: 2e-5,
  epochs: 30,
};

export const PRESETS: Preset[] = [
  {
    id: 'keras-cats-vs-dogs',
    label: 'VGG16 cats vs dogs (Keras example)',
    description:
      'cats_and_dogs_filtered (2,000 train / 1,000 validation), ImageNet weights, 150x150, batch 20, RMSprop 2e-5, 30 epochs.',
    config: KERAS_EXAMPLE,
  },
  {
    id: 'keras-cats-vs-dogs-dropout',
    label: 'VGG16 cats vs dogs + Dropout(0.5) (Chollet feature extraction)',
    description:
      "Deep Learning with Python's fast feature extraction: the Keras example with Dropout(0.5) between the Dense layers; masks drawn from the seed.",
    config: { ...KERAS_EXAMPLE, dropout: 0.5 },
  },
  {
    id: 'keras-cats-vs-dogs-fine-tune',
    label: 'VGG16 cats vs dogs + block 5 fine-tuning',
    description: 'The Keras example, then block5 unfrozen and trained 10 more epochs at lr 1e-5.',
    config: { ...KERAS_EXAMPLE, fineTuneFrom: 'block5_conv1', fineTuneEpochs: 10, fineTuneLr: 1e-5 },
  },
  {
    id: 'fashion-mnist',
    label: 'Fashion-MNIST t-shirt vs ankle boot (small, quick)',
    description: 'fashion_mnist:0,9 (Debian dataset-fashion-mnist on the agent), 48x48, 10 epochs.',
    config: { data: 'fashion_mnist:0,9@200', weights: 'imagenet', size: 48, batch: 20, lr: 1e-4, epochs: 10 },
  },
];
