/**
 * The auditor report: an evidence bundle rendered as one self-contained, accessible HTML document
 * (and printed to PDF with the system's Chromium), with the incident, its artifacts and their
 * proof, residual exposure, attestations and a controls mapping. docs/report.md describes it.
 */
export { renderReport } from './render-report.ts';
export type { AttestationCheck, ReportOptions, ReportVerification } from './types.ts';
export { parseBundle } from './parse-bundle.ts';
export { DEFAULT_CONTROLS_DIR, loadControls } from './load-controls.ts';
export { controlSchema, frameworkSchema, requirementSchema, type Control, type ControlFramework, type Requirement } from './controls-schema.ts';
export { evaluateControls, statusOf, type ControlResult, type ControlStatus, type FrameworkResult } from './evaluate-controls.ts';
export { readBundle, type ArtifactFact, type EntryFact, type IncidentFacts } from './read-bundle.ts';
export { CHROMIUM_ARGS, DEFAULT_CHROMIUM, MAX_TAGGED_HTML, pdfPageCount, printPdf, type PrintPdfOptions } from './print-pdf.ts';
