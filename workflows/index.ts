/** The workflow entry points the worker bundles. */
export { mlPipeline } from './ml-pipeline';
export { modelDeployment } from './model-deployment';
export { modelMonitor } from './model-monitor';
