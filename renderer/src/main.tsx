import { createRoot } from 'react-dom/client';
import { AllCommunityModule, ModuleRegistry } from 'ag-grid-community';
import { App } from './views/App.tsx';
import { Session } from './state/session.ts';
import { CaseController } from './state/case.ts';
import './styles.css';

ModuleRegistry.registerModules([AllCommunityModule]);

const session = new Session();
// A test and debugging hook: the session controller (no secrets in it; same in Electron and browser).
(globalThis as { stagediffSession?: Session }).stagediffSession = session;
const kase = new CaseController(session);
(globalThis as { stagediffCase?: CaseController }).stagediffCase = kase;
createRoot(document.getElementById('root')!).render(<App session={session} kase={kase} />);
