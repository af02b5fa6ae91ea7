// The one module of third-party code the query page loads: CodeMirror 6 and its SPARQL mode,
// re-exported so that our own script (web/static/editor/) imports only what it uses from here.
export {
  EditorView, keymap, placeholder, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars,
} from "@codemirror/view";
export { EditorState, StateEffect, StateField, Compartment, Prec } from "@codemirror/state";
export {
  StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput,
  HighlightStyle,
} from "@codemirror/language";
export { sparql } from "@codemirror/legacy-modes/mode/sparql";
export {
  autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, startCompletion,
  completionStatus, currentCompletions, acceptCompletion, selectedCompletion,
} from "@codemirror/autocomplete";
export { lintGutter, setDiagnostics, forEachDiagnostic, diagnosticCount, lintKeymap } from "@codemirror/lint";
export { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
