'use client';

/**
 * Small badges from the run's systemInfo for facts that change how its curves read: a random-init
 * conv base (the run asked for weights "random": accuracy near chance is expected) and where the
 * frozen base ran (GPU or CPU, as the trainer chose it).
 */
export function RunBadges({ systemInfo }: { systemInfo: unknown }) {
  const info = (systemInfo ?? {}) as {
    randomInit?: boolean;
    engines?: { prefixDevice?: string; prefixReason?: string };
  };
  return (
    <>
      {info.randomInit === true && (
        <span
          className="badge warning-badge"
          data-testid="random-weights-badge"
          title='weights "random": the VGG16 base was not pre-trained; its features carry no ImageNet knowledge'
        >
          random weights
        </span>
      )}
      {info.engines?.prefixDevice && (
        <span className="badge" data-testid="prefix-device-badge" title={info.engines.prefixReason}>
          base on {info.engines.prefixDevice}
        </span>
      )}
    </>
  );
}
