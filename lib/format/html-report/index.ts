/** The HTML run report (pure rendering): `runs show --html` and `npm start` write it. */
export { renderHtmlReport } from './page';
export { escapeHtml, jsonForScript } from './escape';
export { ageBins, policyBars, reportPolicy, type HtmlReportInput, type ReportPolicy } from './model';
