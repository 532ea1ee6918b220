export * as bb from './babybear.ts';
export * as e4 from './ext4.ts';
export { P, TWO_ADICITY, GENERATOR } from './babybear.ts';
export type { Ext4 } from './ext4.ts';
