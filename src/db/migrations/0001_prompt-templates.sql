-- System prompt templates: no owner, listed to every user, read-only to users.
-- Fixed ids, so clients and docs can refer to them and re-running inserts nothing twice.
INSERT INTO "prompts" ("id", "owner_id", "title", "content", "scenario", "description", "metadata", "is_template") VALUES
('00000000-0000-7000-8000-000000000001', NULL, 'Summarize',
 'Summarize the following text in a few sentences, keeping the key facts and figures:

{text}',
 'summarization', 'A concise summary of any text', '{"tags": ["summary", "concise"]}'::jsonb, true),
('00000000-0000-7000-8000-000000000002', NULL, 'Translate',
 'Translate the following text into {target_language}. Keep its meaning, tone and formatting, and answer with the translation only.

{text}',
 'translation', 'Translates text into the language you name', '{"tags": ["translation", "language"]}'::jsonb, true),
('00000000-0000-7000-8000-000000000003', NULL, 'Explain code',
 'Explain what the following {language} code does, step by step, and point out any bugs or risky parts.

```
{code}
```',
 'coding', 'A step-by-step explanation of a piece of code', '{"tags": ["code", "explanation"]}'::jsonb, true),
('00000000-0000-7000-8000-000000000004', NULL, 'Fix grammar',
 'Correct the grammar, spelling and punctuation of the text below without changing its meaning or style. Answer with the corrected text only.

{text}',
 'writing', 'Proofreads text and returns the corrected version', '{"tags": ["grammar", "proofreading"]}'::jsonb, true),
('00000000-0000-7000-8000-000000000005', NULL, 'Write an email',
 'Write a {tone} email to {recipient} about {topic}. Keep it concise and end with a clear next step.',
 'email', 'Drafts an email with the tone, recipient and topic you give', '{"tags": ["email", "writing"]}'::jsonb, true),
('00000000-0000-7000-8000-000000000006', NULL, 'Meeting notes to action items',
 'Turn these meeting notes into a short summary followed by a list of action items, each with its owner and due date when the notes give them:

{notes}',
 'summarization', 'A summary and action items from raw meeting notes', '{"tags": ["meetings", "action items"]}'::jsonb, true),
('00000000-0000-7000-8000-000000000007', NULL, 'Brainstorm ideas',
 'List {count} distinct ideas for {topic}, each with a one-sentence rationale.',
 'brainstorming', 'A list of ideas on a topic', '{"tags": ["ideas", "creativity"]}'::jsonb, true),
('00000000-0000-7000-8000-000000000008', NULL, 'Write unit tests',
 'Write unit tests with {framework} for the following code, covering normal cases, edge cases and errors.

```
{code}
```',
 'coding', 'Unit tests for a piece of code', '{"tags": ["code", "testing"]}'::jsonb, true)
ON CONFLICT ("id") DO NOTHING;
