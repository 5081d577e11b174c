/**
 * The built-in connector kinds. Adding a connector = one folder + one line here.
 */
import type { ConnectorModule } from './contract.ts';

export const CONNECTOR_MODULES: Record<string, ConnectorModule> = {};
