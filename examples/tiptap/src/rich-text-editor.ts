import type { AwarenessUser, Session } from '@tandem/client'
import { Editor } from '@tiptap/core'
import { Bold } from '@tiptap/extension-bold'
import { Collaboration } from '@tiptap/extension-collaboration'
import { CollaborationCaret } from '@tiptap/extension-collaboration-caret'
import { Document } from '@tiptap/extension-document'
import { Heading } from '@tiptap/extension-heading'
import { Italic } from '@tiptap/extension-italic'
import { BulletList, ListItem } from '@tiptap/extension-list'
import { Paragraph } from '@tiptap/extension-paragraph'
import { Text } from '@tiptap/extension-text'

/**
 * The name of the `Y.XmlFragment` in the session's document that holds the rich text: ProseMirror's document
 * as Yjs XML elements (`<heading level="1"><bold>…</bold></heading><paragraph>…</paragraph>`). It is not
 * `getText('content')`, the plain text that Tandem's own editor and web app show: the two live side by side in
 * one Y.Doc and know nothing of each other.
 */
export const RICH_TEXT_FIELD = 'prosemirror'

/**
 * Tiptap on a Tandem session: the rich text is the session's `Y.XmlFragment` {@link RICH_TEXT_FIELD}, other
 * people's carets and selections come from the session's awareness with the names and colours the session
 * gave them, and undo (Mod-z) and redo (Mod-Shift-z, Mod-y) are Yjs's: they take back this person's own
 * changes only, never someone else's.
 */
export function createRichTextEditor(session: Session, element: HTMLElement): Editor {
  // The session already put this person's name and colour in its awareness (`user`, sanitised), in the shape
  // y-prosemirror's carets read; the caret extension sets that field again, so it is given the same value.
  const user = session.awareness.getLocalState()?.user as AwarenessUser
  return new Editor({
    element,
    extensions: [
      Document,
      Paragraph,
      Text,
      Bold,
      Italic,
      Heading.configure({ levels: [1, 2] }),
      BulletList,
      ListItem,
      // Its undo and redo replace ProseMirror's history, which must not be loaded beside it.
      Collaboration.configure({ document: session.doc, field: RICH_TEXT_FIELD }),
      // The extension only reads `provider.awareness`: the session has one.
      CollaborationCaret.configure({ provider: session, user }),
    ],
  })
}
